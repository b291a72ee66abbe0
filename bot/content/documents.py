"""The content files as documents: a file of content/ split into its items (a course, a
response, a system text, a whole small section), each with its leading comment and its YAML,
and written back in one canonical form. Pure: no I/O.

This is what lets content live in SQL (one row per item, with versions) while YAML stays the
developers' format: `almas content import` parses files into items, `almas content export`
renders the items back, and a file in the canonical form comes back byte for byte.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

LIST = "list"  # a list of items, each with an `id` (courses, scholarships, support lines…)
MAPPING = "mapping"  # a mapping of named items (responses, system texts)
SINGLE = "single"  # the whole section is one item (credit, programme, privacy)

MAPPING_SECTIONS = ("responses", "system")
_SECTION_LINE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*):\s*$")
_MAPPING_ENTRY = re.compile(r"^  ([A-Za-z_][A-Za-z0-9_]*):")
WIDTH = 4096  # never fold a long line: texts stay one line each, as written


# libyaml's loader when present: content is read on every publish and every reload.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = yaml.resolver.Resolver()


def load(text: str) -> Any:
    """YAML text -> value (the safe loader: plain data only)."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 — a safe loader, C or Python


class DocumentError(ValueError):
    """A content file that cannot be split into items; the message names the file."""


@dataclass(frozen=True)
class Entry:
    """One item: `key` is its id (lists), its name (mappings) or the section's name."""

    key: str
    body: str  # canonical YAML of the item's value
    comment: str = ""  # its leading comment lines, "# …" each, without indentation

    def value(self) -> Any:
        return load(self.body)


@dataclass(frozen=True)
class Section:
    name: str
    shape: str
    entries: tuple[Entry, ...]
    comment: str = ""  # comment lines before the section's key


@dataclass(frozen=True)
class Document:
    name: str  # the file name, e.g. "courses.yml"
    header: str  # the comment lines at the top of the file
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def layout(self) -> str:
        """The file's shape without its items (stored with the file; JSON)."""
        return json.dumps(
            {
                "header": self.header,
                "sections": [
                    {"name": s.name, "shape": s.shape, "comment": s.comment}
                    for s in self.sections
                ],
            },
            ensure_ascii=False,
        )


def shape_of(section: str, value: Any) -> str:
    if section in MAPPING_SECTIONS:
        return MAPPING
    return LIST if isinstance(value, list) else SINGLE


# -- canonical YAML ---------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key, multi-line texts as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> Any:
        return super().increase_indent(flow, False)


_WORDS = re.compile(r"[\w./-]+( [\w./-]+){0,2}")


def _plain(value: Any) -> bool:
    """A name or a word or two (an id, a city, a topic): written without quotes."""
    if not isinstance(value, str) or not _WORDS.fullmatch(value):
        return False
    # Not read back as a number, a date, true or null.
    return _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"


_ESCAPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff]")


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """Names plain, texts in double quotes (what staff wrote, unmistakably a text), texts with
    line breaks as literal blocks."""
    if _plain(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value)
    if _ESCAPED.search(value):
        # Control characters and YAML's other line breaks (NEL, U+2028/9) survive only
        # escaped, in double quotes: a literal block or single quotes would change them.
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    multiline = "\n" in value and not value.startswith((" ", "\n")) and not value.endswith(" ")
    # PyYAML escapes characters beyond U+FFFF (emoji) in double quotes, not in single ones.
    # Single quotes also for a text holding double quotes and no single one (a payload).
    emoji = any(ord(ch) > 0xFFFF for ch in value)
    quote = "'" if emoji or ('"' in value and "'" not in value) else '"'
    style = "|" if multiline else quote
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_mapping(dumper: yaml.SafeDumper, mapping: dict[Any, Any]) -> yaml.Node:
    """Keys stay plain (`name:`, not `"name":`)."""
    pairs = []
    for key, value in mapping.items():
        key_node = (
            yaml.SafeDumper.represent_str(dumper, key)
            if isinstance(key, str)
            else dumper.represent_data(key)
        )
        pairs.append((key_node, dumper.represent_data(value)))
    return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)


def _represent_list(dumper: yaml.SafeDumper, items: list[Any] | tuple[Any, ...]) -> yaml.Node:
    """A short list of names on one line (`cases: [emergency, violence]`), others as blocks."""
    node = dumper.represent_list(list(items))
    if items and all(_plain(item) for item in items):
        node.flow_style = True
    return node


_Dumper.add_representer(str, _represent_text)
_Dumper.add_representer(dict, _represent_mapping)
_Dumper.add_representer(list, _represent_list)
_Dumper.add_representer(tuple, _represent_list)


def dump(value: Any) -> str:
    """The canonical YAML of a value (ends with a newline)."""
    return yaml.dump(
        value,
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=WIDTH,
    )


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.rstrip("\n").split("\n")
    out = [first + lines[0]]
    out.extend(rest + line if line else "" for line in lines[1:])
    return "\n".join(out)


def _comment_lines(comment: str, indent: str) -> list[str]:
    return [indent + line for line in comment.split("\n")] if comment else []


# -- parse ------------------------------------------------------------------------------------
def parse(name: str, text: str) -> Document:
    """Split a content file into items. Comments are kept when they stand on their own line
    before a section or an item; a comment at the end of a value's line is not kept."""
    try:
        data = load(text) or {}
    except yaml.YAMLError as exc:
        raise DocumentError(f"{name}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{name}: the top level must be a mapping")
    header, comments = _scan_comments(text)
    sections = []
    for section, value in data.items():
        shape = shape_of(section, value)
        section_comment, item_comments = comments.get(section, ("", []))
        if shape == MAPPING:
            if not isinstance(value, dict):
                raise DocumentError(f"{name}: {section} must be a mapping")
            keys = [str(k) for k in value]
            entries = [dump({k: v}) for k, v in value.items()]
        elif shape == LIST:
            keys = []
            for item in value:
                if not isinstance(item, dict) or not item.get("id"):
                    raise DocumentError(f"{name}: every item of {section} needs an id")
                keys.append(str(item["id"]))
            entries = [dump(item) for item in value]
        else:
            keys, entries = [section], [dump({section: value})]
        if len(set(keys)) != len(keys):
            raise DocumentError(f"{name}: {section} has an item twice")
        if shape != SINGLE and len(item_comments) > len(keys):
            raise DocumentError(f"{name}: a comment in {section} is not before an item")
        missing = len(keys) - len(item_comments)
        padded = [""] if shape == SINGLE else item_comments + [""] * missing
        sections.append(
            Section(
                name=section,
                shape=shape,
                comment=section_comment,
                entries=tuple(
                    Entry(key=k, body=b, comment=c)
                    for k, b, c in zip(keys, entries, padded, strict=True)
                ),
            )
        )
    return Document(name=name, header=header, sections=tuple(sections))


def _scan_comments(text: str) -> tuple[str, dict[str, tuple[str, list[str]]]]:
    """(file header, {section: (its comment, [each item's leading comment])})."""
    header: list[str] = []
    pending: list[str] = []
    found: dict[str, tuple[str, list[str]]] = {}
    section: str | None = None
    shape_list = False
    items: list[str] = []
    seen_section = False
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if not seen_section and not line.startswith(" ") and section is None:
                header.append(stripped)
            else:
                pending.append(stripped)
            continue
        match = _SECTION_LINE.match(line)
        if match and not line.startswith(" "):
            if section is not None:
                found[section] = (found[section][0], items)
            section, items, seen_section = match.group(1), [], True
            found[section] = ("\n".join(pending), [])
            pending = []
            shape_list = False
            continue
        if section is None:
            seen_section = True
            continue
        if line.startswith("  - ") or line == "  -":
            shape_list = True
            items.append("\n".join(pending))
            pending = []
        elif not shape_list and _MAPPING_ENTRY.match(line):
            items.append("\n".join(pending))
            pending = []
    if section is not None:
        found[section] = (found[section][0], items)
    return "\n".join(header), found


# -- render -----------------------------------------------------------------------------------
def render_entry(shape: str, entry: Entry) -> str:
    lines = _comment_lines(entry.comment, "  ")
    if shape == LIST:
        lines.append(_indent(entry.body, "  - ", "    "))
    elif shape == MAPPING:
        lines.append(_indent(entry.body, "  ", "  "))
    else:
        return entry.body.rstrip("\n")
    return "\n".join(lines)


def render(document: Document) -> str:
    """The file's text in the canonical form."""
    parts: list[str] = []
    for section in document.sections:
        block = _comment_lines(section.comment, "")
        if section.shape == SINGLE:
            entry = section.entries[0] if section.entries else Entry(section.name, "{}\n")
            block.append(entry.body.rstrip("\n"))
        else:
            block.append(f"{section.name}:")
            if section.entries:
                # Blank lines between a list's items, and before a commented group of texts.
                text = ""
                for n, entry in enumerate(section.entries):
                    if n:
                        text += "\n\n" if section.shape == LIST or entry.comment else "\n"
                    text += render_entry(section.shape, entry)
                block.append(text)
            else:
                block[-1] = f"{section.name}: {'[]' if section.shape == LIST else '{}'}"
        parts.append("\n".join(block))
    body = "\n\n".join(parts)
    # The header sits right above the first section, as every file starts.
    return (f"{document.header}\n{body}" if document.header else body) + "\n"


def from_layout(name: str, layout: str, entries: dict[str, list[Entry]]) -> Document:
    """A document from a stored layout and the items of each section (in order)."""
    shape = json.loads(layout)
    return Document(
        name=name,
        header=shape["header"],
        sections=tuple(
            Section(
                name=s["name"],
                shape=s["shape"],
                comment=s["comment"],
                entries=tuple(entries.get(s["name"], ())),
            )
            for s in shape["sections"]
        ),
    )
