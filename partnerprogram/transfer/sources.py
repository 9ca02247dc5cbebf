"""Where the files of an import come from: a folder, a .zip of the folder, or one CSV file
whose name says which file of the format it is (partners.csv, "partners (2).csv")."""

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from partnerprogram.transfer.formats import FORMATS, FORMATS_BY_NAME, WHOLE_ROW, Problem

# A zip whose files unpack to more than this is refused (a zip bomb, or not a program).
MAX_UNPACKED_BYTES = 2 * 1024**3


class SourceError(Exception):
    """The upload or folder cannot be read as a program at all."""


def _expected():
    return ", ".join(fmt.name for fmt in FORMATS)


@dataclass
class Source:
    """The files of one import: name -> (a function opening it as a binary stream, its size
    in bytes). `problems` lists files that are not part of the format."""

    label: str
    files: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

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
        return self.files[name][0]()

    def size(self, name):
        return self.files[name][1]


def from_directory(path):
    path = Path(path)
    if not path.is_dir():
        raise SourceError(f"{path} is not a folder.")
    source = Source(str(path))
    for entry in sorted(path.iterdir()):
        if entry.is_file() and entry.suffix.lower() == ".csv":
            source.add(entry.name, lambda entry=entry: entry.open("rb"), entry.stat().st_size)
    return source.check_not_empty()


def from_path(path, name=None):
    """A folder, a .zip of the folder, or a single CSV file named after the file of the format
    it holds (`name`, the name it was uploaded under, when the path's own name is not it)."""
    path = Path(path)
    if path.is_dir():
        return from_directory(path)
    name = Path(name or path.name).name
    suffix = Path(name).suffix.lower()
    if not path.is_file():
        raise SourceError(f"{path} is neither a folder nor a file.")
    if suffix == ".zip":
        return from_zip(path, name)
    if suffix == ".csv":
        fmt_name = format_of_file_name(name)
        if fmt_name is None:
            raise SourceError(
                f"{name}: the file name does not say which file it is; name it after one of "
                f"{_expected()}."
            )
        source = Source(name)
        source.add(fmt_name, lambda: path.open("rb"), path.stat().st_size)
        return source
    raise SourceError(f"{name}: give a folder, a .zip of the folder or a single .csv file.")


def from_zip(path, label):
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise SourceError(f"{label} is not a zip file.") from None
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not PurePosixPath(info.filename).name.startswith(".")
        and info.filename.lower().endswith(".csv")
    ]
    if sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
        raise SourceError(f"{label} unpacks to more than {MAX_UNPACKED_BYTES // 1024**3} GB.")
    source = Source(label)
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
