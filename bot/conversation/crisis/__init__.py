"""Danger in her words, read before anything else (issue 12): certain, possible or none.

- `patterns.py`: the two tiers of Spanish patterns (a floor for the unmistakable cases);
- `classifier.py`: the learned classifier (scikit-learn, trained from nlu/crisis/: its writers
  and a frozen copy of the dialogue's examples);
- `assess.py`: the three answers from both, and the NLU's word;
- `kinds.py`: the nine kinds of danger and the support lines for each;
- `check.py`: the gentle check for possible danger, and her answer;
- `unanswered.py`: a check nobody answered goes to a person.
"""
