"""Django's {# … #} comment ends with its line: one opened and not closed on the same line is printed on the page as
text (a cadre once saw a developer's note above the consultation form). Longer notes use {% comment %}."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_one_line_comment_closes_on_its_line():
    unclosed = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2 :]
                if "#}" not in rest:
                    unclosed.append(f"{path.relative_to(ROOT)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2 :]
    assert unclosed == []


def test_the_desk_shows_no_template_comment(client_for, cadre, village):
    html = client_for(cadre).get("/desk/").content.decode()

    assert "{#" not in html and "#}" not in html
