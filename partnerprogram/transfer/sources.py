"""Where the files of an import come from: a folder, a .zip of the folder, or one CSV file
whose name says which file of the format it is (partners.csv, "partners (2).csv")."""

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from partnerprogram.transfer.formats import FORMATS, FORMATS_BY_NAME, WHOLE_ROW, Problem


class SourceError(Exception):
    """The upload or folder cannot be read as a program at all."""


@dataclass(frozen=True)
class Limits:
    """How much an import may read: bytes once unpacked, and lines (None: no bound). The
    admin's import is bounded (settings IMPORT_*); the command is not, by default."""

    bytes: int | None = None
    lines: int | None = None

    def describe_bytes(self):
        return f"{self.bytes // 1024**2:,} MB"


class Reading:
    """What the files of one import have read so far, against its Limits: the real bytes
    and lines as they are unpacked (a zip's headers may lie)."""

    def __init__(self, limits, label):
        self.limits, self.label = limits, label
        self.bytes = self.lines = 0

    def count(self, line):
        self.bytes += len(line)
        self.lines += 1
        limits = self.limits
        if limits.bytes is not None and self.bytes > limits.bytes:
            raise SourceError(f"{self.label} unpacks to more than {limits.describe_bytes()}.")
        if limits.lines is not None and self.lines > limits.lines:
            raise SourceError(
                f"{self.label} has more than {limits.lines:,} lines: import it with the "
                "import_program command."
            )


class _Stream:
    """A file of the import read line by line, counted against the import's limits, with a
    damaged zip member reported as such rather than as an error of the program."""

    def __init__(self, raw, reading, name):
        self.raw, self.reading, self.name = raw, reading, name

    def __iter__(self):
        try:
            for line in self.raw:
                self.reading.count(line)
                yield line
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise SourceError(f"{self.reading.label} is damaged ({self.name}: {error}).") from None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.raw.close()


def _expected():
    return ", ".join(fmt.name for fmt in FORMATS)


@dataclass
class Source:
    """The files of one import: name -> (a function opening it as a binary stream, its size
    in bytes). `problems` lists files that are not part of the format."""

    label: str
    files: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    limits: Limits = Limits()
    reading: Reading = None

    def __post_init__(self):
        self.reading = Reading(self.limits, self.label)

    def add(self, name, opener, size):
        fmt = FORMATS_BY_NAME.get(name.lower())
        if fmt is None:
            self.problems.append(
                Problem(name, 1, WHOLE_ROW, f"Not a file of the format; expected {_expected()}.")
            )
        elif fmt.name in self.files:
            self.problems.append(Problem(name, 1, WHOLE_ROW, "The file appears twice."))
        else:
            self.files[fmt.name] = (opener, size)

    def check_not_empty(self):
        if not self.files and not self.problems:
            raise SourceError(f"{self.label} has none of the files {_expected()}.")
        return self

    def __contains__(self, name):
        return name in self.files

    def open(self, name):
        return _Stream(self.files[name][0](), self.reading, name)

    def size(self, name):
        return self.files[name][1]


def from_directory(path, limits=Limits()):
    path = Path(path)
    if not path.is_dir():
        raise SourceError(f"{path} is not a folder.")
    source = Source(str(path), limits=limits)
    for entry in sorted(path.iterdir()):
        if entry.is_file() and entry.suffix.lower() == ".csv":
            source.add(entry.name, lambda entry=entry: entry.open("rb"), entry.stat().st_size)
    return source.check_not_empty()


def from_path(path, name=None, limits=Limits()):
    """A folder, a .zip of the folder, or a single CSV file named after the file of the format
    it holds (`name`, the name it was uploaded under, when the path's own name is not it),
    read within `limits`."""
    path = Path(path)
    if path.is_dir():
        return from_directory(path, limits)
    name = Path(name or path.name).name
    suffix = Path(name).suffix.lower()
    if not path.is_file():
        raise SourceError(f"{path} is neither a folder nor a file.")
    if suffix == ".zip":
        return from_zip(path, name, limits)
    if suffix == ".csv":
        fmt_name = format_of_file_name(name)
        if fmt_name is None:
            raise SourceError(
                f"{name}: the file name does not say which file it is; name it after one of "
                f"{_expected()}."
            )
        source = Source(name, limits=limits)
        source.add(fmt_name, lambda: path.open("rb"), path.stat().st_size)
        return source
    raise SourceError(f"{name}: give a folder, a .zip of the folder or a single .csv file.")


def from_zip(path, label, limits=Limits()):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError):
        raise SourceError(f"{label} is not a zip file.") from None
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith(".")
        and info.filename.lower().endswith(".csv")
    ]
    # The sizes a zip declares are checked first, then the bytes really unpacked (Reading).
    if limits.bytes is not None and sum(info.file_size for info in members) > limits.bytes:
        raise SourceError(f"{label} unpacks to more than {limits.describe_bytes()}.")
    source = Source(label, limits=limits)
    for info in members:
        source.add(
            PurePosixPath(info.filename).name,
            lambda info=info: archive.open(info),
            info.file_size,
        )
    return source.check_not_empty()


def format_of_file_name(file_name):
    """The format file a file name stands for: its stem is the format's name, or starts with
    it followed by something that is not a letter or digit ("partners (2).csv",
    "partners-2026-11.csv"). None when no file matches."""
    stem = Path(file_name).stem.lower()
    for fmt in sorted(FORMATS, key=lambda fmt: -len(fmt.name)):
        base = fmt.name.removesuffix(".csv")
        if stem == base or re.match(rf"{re.escape(base)}[^a-z0-9]", stem):
            return fmt.name
    return None
