"""Read members of an untrusted ZIP archive (a ``.qdpx``) within limits.

Nothing is ever extracted to disk: members are read into memory, by name, after
the whole archive has been checked.  Refused with a one-line
:class:`~qda.errors.ImportFileError`:

* a member name that is absolute, has a drive letter, a ``..`` part or a NUL
  (a path escaping the archive), even if qda would never read that member;
* too many members;
* a member qda reads that would unpack to more than ``max_member_bytes`` (size),
  or that is packed more tightly than ``max_ratio`` (a zip bomb);
* more than ``max_total_bytes`` read in all.

The sizes in a ZIP header can lie; :mod:`zipfile` stops at the declared size and
checks the CRC, and :meth:`SafeZip.read` also counts what it really unpacks.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from qda.errors import ImportFileError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Limits for untrusted REFI-QDA files (all configurable, for tests and big projects)."""

    max_members: int = 100_000
    max_member_bytes: int = 512 * MiB
    max_total_bytes: int = 2048 * MiB
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 * MiB  # smaller members are not judged by their ratio
    max_xml_bytes: int = 512 * MiB
    max_xml_elements: int = 20_000_000
    max_code_depth: int = 100


DEFAULT_LIMITS = Limits()

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name_reason(name: str) -> str | None:
    """Why a member name or an internal path would escape the archive (None when safe)."""
    if "\x00" in name:
        return "a NUL character"
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm):
        return "an absolute path"
    if any(part == ".." for part in PurePosixPath(norm).parts):
        return "a '..' part"
    return None


class SafeZip:
    """An opened, checked archive.  Use as a context manager."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
        self._read_total = 0
        try:
            self._zf = zipfile.ZipFile(path)
        except zipfile.BadZipFile as exc:
            raise ImportFileError(str(path), "not a ZIP archive (corrupt or not a .qdpx)") from exc
        except OSError as exc:
            raise ImportFileError(str(path), f"cannot read ({exc.strerror})") from exc
        try:
            self._check()
        except BaseException:
            self._zf.close()
            raise
        self.names = [i.filename for i in self._zf.infolist() if not i.is_dir()]

    def _fail(self, reason: str) -> ImportFileError:
        return ImportFileError(str(self.path), reason)

    def _check(self) -> None:
        infos = self._zf.infolist()
        if len(infos) > self.limits.max_members:
            raise self._fail(f"too many files in the archive ({len(infos)})")
        for info in infos:
            why = unsafe_name_reason(info.filename)
            if why is not None:
                raise self._fail(f"unsafe path {info.filename!r} in the archive ({why}): refused")

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zf.close()

    def read(self, name: str) -> bytes:
        """The bytes of one member, within the size, ratio and total limits."""
        lim = self.limits
        try:
            info = self._zf.getinfo(name)
        except KeyError as exc:
            raise self._fail(f"no {name!r} in the archive") from exc
        if info.file_size > lim.max_member_bytes:
            raise self._fail(
                f"{name} would unpack to {info.file_size / MiB:.0f} MB "
                f"(limit {lim.max_member_bytes / MiB:.0f} MB): refused as a zip bomb"
            )
        if info.file_size >= lim.ratio_min_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > lim.max_ratio:
                raise self._fail(
                    f"{name} is compressed {ratio:.0f}:1 (limit {lim.max_ratio:.0f}:1): "
                    "refused as a zip bomb"
                )
        if self._read_total + info.file_size > lim.max_total_bytes:
            raise self._fail(
                f"the archive unpacks to more than {lim.max_total_bytes / MiB:.0f} MB: refused"
            )
        chunks: list[bytes] = []
        got = 0
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 * MiB)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > info.file_size or got > lim.max_member_bytes:
                        raise self._fail(f"{name} unpacks to more than it declares: refused")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
            raise self._fail(f"{name} is corrupt in the archive ({exc})") from exc
        except NotImplementedError as exc:  # unsupported compression method
            raise self._fail(f"{name}: {exc}") from exc
        except RuntimeError as exc:  # encrypted member
            raise self._fail(f"{name} is encrypted: cannot read it") from exc
        self._read_total += got
        return b"".join(chunks)
