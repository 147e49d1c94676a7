"""The build and data packages re-export their modules' public names, imported on first use."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import pytest

import sinstats.build
import sinstats.data

PACKAGES = [sinstats.build, sinstats.data]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_re_exported_name_is_its_module_s_own_object(package: ModuleType) -> None:
    module_of: dict[str, tuple[str, ...]] = package._MODULE_OF
    listed = {name for names in module_of.values() for name in names}
    assert listed == set(package.__all__), "__all__ and the lazy table name the same things"
    for module, names in module_of.items():
        source = importlib.import_module(f"{package.__name__}.{module}")
        for name in names:
            # Through __getattr__ itself, so every branch runs even when the name is cached.
            assert package.__getattr__(name) is getattr(source, name), (module, name)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_an_unknown_name_is_an_attribute_error(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        package.__getattr__("no_such_name")


@pytest.mark.parametrize("package", ["sinstats.build", "sinstats.data"])
def test_importing_the_package_imports_none_of_its_modules(package: str) -> None:
    # In a fresh interpreter: the package alone, then one name, which imports its module only.
    code = (
        "import sys\n"
        f"import {package} as p\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith('{package}.'))\n"
        "assert loaded == [], loaded\n"
        "name, module = next((n, m) for m, names in p._MODULE_OF.items() for n in names)\n"
        "getattr(p, name)\n"
        f"assert f'{package}.{{module}}' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
