"""Custom actions served by the rasa-sdk action server (`almas actions`), one module per topic."""

from flows.actions.continuing import ActionCredentialNext, ActionCredentialPrevious, ActionMore
from flows.actions.courses import ActionShowCourses, ValidateCourseForm
from flows.actions.credentials import ActionCredentialStep, ValidateCredentialForm
from flows.actions.credit import (
    ActionCreditInfo,
    ActionCreditPrecheckResult,
    ValidateCreditPrecheckForm,
)
from flows.actions.fallback import ActionFallback
from flows.actions.handoff import ActionRequestHuman
from flows.actions.privacy import ActionDataRights, ActionOptOut
from flows.actions.safety import ActionEmergencyLines
from flows.actions.scholarships import ActionScholarshipReminder, ActionShowScholarships
from flows.actions.topics import ActionTopicAnswer

__all__ = [
    "ActionCredentialNext",
    "ActionCredentialPrevious",
    "ActionCredentialStep",
    "ActionCreditInfo",
    "ActionCreditPrecheckResult",
    "ActionDataRights",
    "ActionEmergencyLines",
    "ActionFallback",
    "ActionMore",
    "ActionOptOut",
    "ActionRequestHuman",
    "ActionScholarshipReminder",
    "ActionShowCourses",
    "ActionShowScholarships",
    "ActionTopicAnswer",
    "ValidateCourseForm",
    "ValidateCredentialForm",
    "ValidateCreditPrecheckForm",
]
