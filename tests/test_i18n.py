"""The Simplified Chinese catalogue (locale/zh_Hans) is complete, compiled, and what the pages show.

Chinese is the only UI language (LANGUAGE_CODE zh-hans); the code speaks English msgids. A string that is
wrapped for translation but missing from the catalogue shows up in English on a villager's screen, so these
tests fail on any untranslated or fuzzy entry, on a string in the code that the committed catalogue lacks,
and on a .mo that was not compiled from the committed .po.
"""

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# What `make messages` scans (everything except .venv, var, static and tests).
SOURCE_DIRS = ("jinjie", "villages", "departments", "cases", "templates")
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def untranslated(self) -> bool:
        return not self.msgstr or any(not s for s in self.msgstr.values())

    def __str__(self) -> str:
        where = ", ".join(self.references[:3]) or f"line {self.line}"
        ctxt = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"{ctxt}{self.msgid!r} ({where})"


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for Django's catalogues (contexts, plurals, flags; obsolete entries skipped)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None  # which field a continuation line extends

    def finish():
        nonlocal entry, target
        if entry is not None and (entry.msgstr or entry.msgid or entry.msgctxt is not None):
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):  # obsolete entry: not part of the catalogue
            continue
        if entry is None or (line.startswith("#") and target is not None and target[0] == "msgstr"):
            finish()
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#:"):
            entry.references.extend(line[2:].split())
        elif line.startswith("#"):
            continue  # translator, extracted or previous-msgid comments
        elif line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: string without a keyword")
            value = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += value
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + value)
        else:
            match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")", line)
            if not match:
                raise ValueError(f"{path}:{number}: cannot read {raw!r}")
            keyword, index, value = match.group(1), match.group(2), ast.literal_eval(match.group(3))
            if keyword.startswith("msgstr"):
                target = ("msgstr", int(index or 0))
                entry.msgstr[target[1]] = value
            else:
                if keyword == "msgctxt" and (entry.msgid or entry.msgstr):
                    finish()
                    entry = Entry(line=number)
                target = (keyword, 0)
                setattr(entry, keyword, value)
    finish()
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """Every entry a user would see in English: empty msgstr, or a fuzzy one (msgfmt leaves fuzzy ones out)."""
    found = []
    for entry in entries:
        if entry.is_header:
            continue
        if entry.untranslated:
            found.append(f"untranslated: {entry}")
        elif "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry}")
    return found


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH.relative_to(BASE_DIR)} is missing: run `make messages`"
    return parse_po(PO_PATH)


def test_catalogue_header_is_simplified_chinese_with_one_plural_form(catalogue):
    header = next(entry for entry in catalogue if entry.is_header)

    assert "fuzzy" not in header.flags
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_committed_catalogue_has_no_untranslated_or_fuzzy_entries(catalogue):
    found = problems(catalogue)

    assert len(catalogue) > 100, "the catalogue looks truncated"
    assert not found, f"{len(found)} entries in {PO_PATH.relative_to(BASE_DIR)} need a translation:\n" + "\n".join(
        found
    )


def test_plural_entries_fill_the_single_chinese_form(catalogue):
    plurals = [entry for entry in catalogue if entry.msgid_plural is not None]

    assert plurals, "expected the ngettext/blocktranslate count entries"
    assert [str(entry) for entry in plurals if set(entry.msgstr) != {0}] == []


def test_translations_keep_every_placeholder(catalogue):
    broken = []
    for entry in catalogue:
        if entry.is_header or entry.untranslated:
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for translation in entry.msgstr.values():
            if sorted(PLACEHOLDER.findall(translation)) != expected:
                broken.append(f"{entry}: {translation!r}")

    assert not broken, "placeholders differ from the msgid:\n" + "\n".join(broken)


def test_every_translatable_string_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch, settings):
    missing_tools = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if missing_tools:
        pytest.skip(f"GNU gettext is not installed (no {', '.join(missing_tools)}): cannot run makemessages")
    # A copy of the sources and the committed catalogue: makemessages rewrites the catalogue in place.
    for name in SOURCE_DIRS:
        shutil.copytree(BASE_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copytree(BASE_DIR / "locale", tmp_path / "locale")
    monkeypatch.chdir(tmp_path)
    # Only the copy's catalogue: the real locale/ (LOCALE_PATHS) must not be touched.
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]

    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=[".venv", "var", "static", "tests"],
        no_obsolete=True,
        verbosity=0,
    )

    regenerated = parse_po(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    found = problems(regenerated)
    assert len(regenerated) >= 100, "makemessages found almost nothing: is the copy complete?"
    assert not found, (
        f"{len(found)} strings in the code are not translated in the committed catalogue. Run `make messages`, "
        f"translate them in {PO_PATH.relative_to(BASE_DIR)} and compile:\n" + "\n".join(found)
    )


def test_compiled_catalogue_matches_the_committed_po(catalogue):
    assert MO_PATH.exists(), f"{MO_PATH.relative_to(BASE_DIR)} is missing: run compilemessages"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    # A few strings every page depends on, in the words of the hall.
    assert compiled.gettext("Service guide") == "办事指南"
    assert compiled.gettext("Case number") == "办件编号"
    assert compiled.gettext("Awaiting materials") == "待补正"
    assert compiled.ngettext("%(days)s working day", "%(days)s working days", 3) % {"days": 3} == "3 个工作日"

    stale = []
    for entry in catalogue:
        if entry.is_header or entry.untranslated or "fuzzy" in entry.flags:
            continue
        if entry.msgid_plural is not None and entry.msgctxt is not None:
            got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
        elif entry.msgid_plural is not None:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(f"{entry}: .mo has {got!r}, .po has {entry.msgstr[0]!r}")

    assert not stale, "django.mo is older than django.po: run compilemessages\n" + "\n".join(stale)


@pytest.mark.django_db
def test_service_guide_page_is_in_chinese(client):
    response = client.get("/guide/")

    content = response.content.decode()
    assert response.status_code == 200
    assert 'lang="zh-hans"' in content
    assert "办事指南" in content
    assert "办件查询" in content
    assert "Service guide" not in content
    assert "Track a case" not in content
