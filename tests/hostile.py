"""A hostile input set: what scrapers really produce. Each case returns the file it wrote and
the reason the build must report for it (None: the file must build)."""
from __future__ import annotations

import datetime as dt
import os
import zipfile
from pathlib import Path

from . import inputs

GOOD = "Talks on the corridor\nPublished: 2023-04-02\n\nThe envoys of Veldoria and Marland met for talks on the corridor.\n"


def write_hostile_set(folder: Path, big_mb: int = 50) -> dict[str, str | None]:
    """Write every case into `folder`; return {file name: expected reason fragment or None}."""
    folder.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str | None] = {}

    def case(name: str, data: bytes | str, reason: str | None):
        path = folder / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[name] = reason

    case("empty.txt", b"", "empty file")
    case("whitespace.txt", " \n\t\n  \n", "empty file")
    case("binary.txt", os.urandom(4096) + b"\x00" * 64, "binary file")
    case("latin1.txt", "Déclaration de Genève\nPublished: 2023-02-01\n\nLes délégués ont salué l'accord.".encode("latin-1"), None)
    case("utf16.txt", "Joint statement\nPublished: 2023-02-02\n\nThe ministers welcomed the agreement.".encode("utf-16"), None)
    with open(folder / "huge.txt", "wb") as handle:  # streamed: the generator never holds 50 MB
        line = b"The delegation repeated its position on the corridor once again today.\n"
        for _ in range(big_mb * 2**20 // len(line) + 1):
            handle.write(line)
    expected["huge.txt"] = "file too large for one article"
    long_article = "A very long record\nPublished: 2023-03-03\n\n" + "\n\n".join(
        f"Session {i}: the delegates discussed item {i} of the agenda and agreed to continue." for i in range(10_000))
    case("ten-thousand-paragraphs.txt", long_article, None)
    case("broken-quote.csv", 'title,date,body\n"Good row",2023-01-01,"The talks resumed on Monday."\n'
                             '"Broken row,2023-01-02,"This quote never closes\n', "row")
    case("bad-line.jsonl", '{"title": "Fine", "date": "2023-05-01", "text": "A fine line of news about the talks."}\n'
                           '{"title": "Broken", "text": \n', "bad JSON")
    case("script.html", "<html><head><title>Page with script</title></head><body><article><h1>Page with script</h1>"
                        "<p>" + "The ministers agreed on a new round of talks about the corridor and the port. " * 4 +
                        "</p><script>alert('owned')</script><p>" + "Both sides said the talks were useful. " * 4 +
                        "</p></article></body></html>", None)
    case("not-a-feed.xml", "<rss><channel><title>Broken<item><title>x</title>", "not a readable RSS/Atom feed")
    case("bad-date.txt", "Undated statement\nPublished: the day after the summit\n\nThe minister spoke at length.\n",
         "cannot read the date")
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    case("future-date.txt", f"Statement from the future\nPublished: {future}\n\nThe minister spoke about the future.\n",
         "is in the future")
    for number in (1, 2, 3):
        case(f"same-{number}.txt", GOOD, None if number == 1 else "same article as")
    with zipfile.ZipFile(folder / "slip.zip", "w") as archive:
        archive.writestr("../../escaped.txt", GOOD.replace("corridor", "harbour"))
        archive.writestr("/etc/absolute.txt", GOOD.replace("corridor", "railway"))
        archive.writestr("inside/ok.txt", GOOD.replace("corridor", "bridge"))
    expected["slip.zip"] = "unsafe path inside zip"
    loop = folder / "loop"
    loop.mkdir()
    (loop / "self").symlink_to(loop, target_is_directory=True)  # a folder that contains itself
    (folder / "link-a.txt").symlink_to(folder / "link-b.txt")
    (folder / "link-b.txt").symlink_to(folder / "link-a.txt")
    expected["link-a.txt"] = "cannot read"
    expected["link-b.txt"] = "cannot read"
    inputs.write_plain(folder, "valid.txt")
    expected["valid.txt"] = None
    return expected
