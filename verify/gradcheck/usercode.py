"""Calling the user's forward and backward functions, and recording what they did.

Stage: gradcheck (running user code). This module runs where the user's code runs: in
the child process started by :mod:`.runner` for ``verify gradcheck``, or in process for
the pytest plugin (which the user started themselves). It never judges; it returns
*facts* (outputs, gradients, mutated arguments, finite differences, or the exception and
its last user frame) for :mod:`.judge` to compare with the reference.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os
import sys
import sysconfig
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import numpy as np

from verify.gradcheck.convention import CACHE, IGNORED, Group, Signature, Slot

Array = np.ndarray[Any, Any]
FD_STEP = 1e-6
# Frames under these are not the user's: verify itself, the standard library, packages.
LIBRARY_PATHS = (str(Path(__file__).resolve().parents[1]), sysconfig.get_paths()["stdlib"],
         sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"])


class UsageProblem(Exception):
    """The target cannot be found (a usage error, exit 2), not a defect of the user's code."""


class UserRaised(Exception):
    """The user's code raised; ``facts`` is the error record."""

    def __init__(self, facts: dict[str, Any]) -> None:
        super().__init__(facts["message"])
        self.facts = facts


def last_user_frame(tb: TracebackType | None) -> str | None:
    """``file:line in function: source`` of the innermost frame outside verify, the
    standard library and installed packages: where the user's code went wrong."""
    found = None
    for frame in traceback.extract_tb(tb):
        path = os.path.abspath(frame.filename)
        if not path.startswith(LIBRARY_PATHS) and not frame.filename.startswith("<"):
            found = frame
    if found is None:
        return None
    return f"{found.filename}:{found.lineno} in {found.name}: {(found.line or '').strip()}"


def _error(function: str, what: str, message: str, frame: str | None = None) -> dict[str, Any]:
    return {"function": function, "what": what, "message": message, "frame": frame}


def _load_module(module: str) -> ModuleType:
    if module.endswith(".py"):
        path = Path(module).resolve()
        if not path.is_file():
            raise UsageProblem(f"no such file: {module}")
        sys.path.insert(0, str(path.parent))  # so the file's own imports of its neighbours work
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = mod
        spec.loader.exec_module(mod)
        return mod
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and module.startswith(exc.name):
            raise UsageProblem(f"no module named {module!r} (run from the directory that "
                               "contains it, or give a path: file.py:function)") from None
        raise


def load_function(target: str, default_module: str | None = None) -> tuple[Any, str]:
    """The object named by ``file.py:name`` / ``package.module:name`` (or ``name`` in
    ``default_module``), and a display name. The module's own import errors propagate."""
    module, sep, name = target.rpartition(":")
    if not sep:
        module, name = default_module or "", target
    if not module or not name:
        raise UsageProblem(f"{target!r} must be file.py:function or package.module:function")
    try:
        mod = _load_module(module)
    except (UsageProblem, SyntaxError):
        raise
    except Exception as exc:  # noqa: BLE001 - whatever the user's import raises is the finding
        raise UserRaised(_error(module, "raised", f"importing {module} raised "
                                f"{type(exc).__name__}: {exc}",
                                last_user_frame(exc.__traceback__))) from None
    obj = mod
    for part in name.split("."):
        if not hasattr(obj, part):
            raise UsageProblem(f"{module} has no {name!r}")
        obj = getattr(obj, part)
    return obj, f"{Path(module).name}:{name}"


def _is_autograd_function(obj: Any) -> bool:
    torch = sys.modules.get("torch")
    return (torch is not None and isinstance(obj, type)
            and issubclass(obj, torch.autograd.Function))


@dataclass
class UserCode:
    """The user's two functions; for a ``torch.autograd.Function`` both come from one class."""

    forward: Callable[..., Any]
    backward: Callable[..., Any]
    forward_name: str
    backward_name: str
    autograd: bool = False


def torch_function_code(cls: Any, name: str) -> UserCode:
    """Adapters: forward returns (*outputs, cache); backward returns the gradient of every
    forward argument, in order, computed by the class's own backward through autograd."""
    import torch

    def forward(*arrays: Array) -> tuple[Any, ...]:
        leaves = [torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=True)
                  for a in arrays]
        outs = cls.apply(*leaves)
        outs = outs if isinstance(outs, tuple) else (outs,)
        return (*(o.detach().numpy().copy() for o in outs), (leaves, outs))

    def backward(*args: Any) -> tuple[Any, ...]:
        *upstream, (leaves, outs) = args
        grads = torch.autograd.grad(
            outs, leaves, [torch.tensor(np.asarray(u), dtype=torch.float64) for u in upstream],
            allow_unused=True)
        return tuple(None if g is None else g.detach().numpy().copy() for g in grads)

    return UserCode(forward, backward, f"{name}.forward", f"{name}.backward", autograd=True)


def load_code(target: str, forward: str) -> UserCode:
    obj, name = load_function(target)
    if _is_autograd_function(obj):
        return torch_function_code(obj, name)
    module = target.rpartition(":")[0]
    fwd, fwd_name = load_function(forward, default_module=module)
    for o, n in ((obj, name), (fwd, fwd_name)):
        if not callable(o):
            raise UsageProblem(f"{n} is not a function")
    return UserCode(fwd, obj, fwd_name, name)


def build_args(slots: tuple[Slot, ...], values: Mapping[str, Any]) -> list[Any]:
    return [{k: values[k] for k in s.keys} if isinstance(s, Group) else values[s] for s in slots]


def _as_array(value: Any) -> Array:
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"is a {type(value).__name__}, not an array of numbers")
    return arr


def unpack(sig: Signature, result: Any, function: str) -> dict[str, Any]:
    """Name the returned values after ``sig.returns``; UserRaised (what='returned') if the
    structure differs."""
    slots = sig.returns
    if len(slots) == 1 and not isinstance(result, (tuple, list)):
        result = (result,)
    want = ", ".join("{" + ", ".join(s.keys) + "}" if isinstance(s, Group) else s for s in slots)
    if not isinstance(result, (tuple, list)) or len(result) != len(slots):
        got = (f"{len(result)} values" if isinstance(result, (tuple, list))
               else f"a {type(result).__name__}")
        raise UserRaised(_error(function, "returned", f"{function} returned {got}; expected "
                                f"{len(slots)}: ({want})"))
    named: dict[str, Any] = {}
    for slot, value in zip(slots, result):
        if isinstance(slot, Group):
            if not isinstance(value, Mapping):
                raise UserRaised(_error(function, "returned", f"{function} returned a "
                                        f"{type(value).__name__} where a dict with keys "
                                        f"{', '.join(slot.keys)} was expected"))
            missing = [k for k in slot.keys if k not in value]
            if missing:
                raise UserRaised(_error(function, "returned", f"{function} returned a dict "
                                        f"without {', '.join(missing)}"))
            named.update({k: value[k] for k in slot.keys})
        elif slot != IGNORED:
            named[slot] = value
    for name, value in named.items():
        if name == CACHE:
            continue
        if value is None:
            raise UserRaised(_error(function, "returned", f"{function} returned None for {name}"))
        try:
            named[name] = _as_array(value)
        except (TypeError, ValueError) as exc:
            raise UserRaised(_error(function, "returned",
                                    f"{function} returned {name} that {exc}")) from None
    return named


def _call(fn: Callable[..., Any], name: str, args: list[Any]) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - the user's exception is the finding
        raise UserRaised(_error(name, "raised", f"{name} raised {type(exc).__name__}: {exc}",
                                last_user_frame(exc.__traceback__))) from None


def _mutations(function: str, slots: tuple[Slot, ...], before: list[Any],
               after: list[Any]) -> list[dict[str, Any]]:
    """Arguments changed in place, each with its first changed entry."""
    found: list[dict[str, Any]] = []
    for slot, old, new in zip(slots, before, after):
        pairs = ([(k, old[k], new.get(k)) for k in slot.keys] if isinstance(slot, Group)
                 and isinstance(new, Mapping) else [(slot, old, new)])
        for name, a, b in pairs:
            if name == CACHE or not isinstance(a, np.ndarray):
                continue
            b = np.asarray(b)
            if b.shape != a.shape:
                found.append({"function": function, "argument": name, "index": None,
                              "before": None, "after": None})
                continue
            changed = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            if changed.any():
                at = tuple(int(i) for i in np.argwhere(changed)[0])
                found.append({"function": function, "argument": name, "index": list(at),
                              "before": float(a[at]), "after": float(b[at])})
    return found


@dataclass
class Session:
    """Runs instances through the user's code (in whichever process it lives)."""

    code: UserCode
    forward: Signature
    backward: Signature
    upstream: dict[str, str]  # backward argument -> forward output it is the gradient of
    notify: Callable[[str], None] = lambda phase: None

    def _forward(self, values: Mapping[str, Any]) -> dict[str, Any]:
        args = build_args(self.forward.args, values)
        return unpack(self.forward, _call(self.code.forward, self.code.forward_name, args),
                      self.code.forward_name)

    def loss(self, values: Mapping[str, Any], upstream: Mapping[str, Array]) -> float:
        out = self._forward(values)
        return float(sum(np.sum(np.asarray(u, np.float64) * out[self.upstream[n]])
                         for n, u in upstream.items()))

    def run(self, values: dict[str, Any], upstream: dict[str, Array],
            directions: dict[str, Array]) -> dict[str, Any]:
        """Forward, backward, mutations and directional finite differences of the loss
        ``sum(upstream * outputs)`` along ``directions`` (per forward input)."""
        facts: dict[str, Any] = {"error": None, "mutated": [], "outputs": {}, "grads": {},
                                 "fd": {}}
        try:
            self.notify(self.code.forward_name)
            # The user's code gets copies: what it changes in place is reported, and the
            # finite differences below still see the instance's own values.
            args = build_args(self.forward.args, values)
            given = copy.deepcopy(args)
            result = _call(self.code.forward, self.code.forward_name, given)
            facts["mutated"] += _mutations(self.code.forward_name, self.forward.args, args, given)
            out = unpack(self.forward, result, self.code.forward_name)
            facts["outputs"] = {k: v for k, v in out.items() if k != CACHE}
            self.notify(self.code.backward_name)
            bvalues = {**upstream, CACHE: out.get(CACHE)}
            bargs = build_args(self.backward.args, bvalues)
            bgiven = [a if s == CACHE else copy.deepcopy(a)
                      for s, a in zip(self.backward.args, bargs)]
            bresult = _call(self.code.backward, self.code.backward_name, bgiven)
            facts["mutated"] += _mutations(self.code.backward_name, self.backward.args, bargs,
                                           bgiven)
            grads = unpack(self.backward, bresult, self.code.backward_name)
            facts["grads"] = grads
            self.notify(self.code.forward_name)
            for name, v in directions.items():
                plus = self.loss({**values, name: values[name] + FD_STEP * v}, upstream)
                minus = self.loss({**values, name: values[name] - FD_STEP * v}, upstream)
                facts["fd"][name] = (plus - minus) / (2 * FD_STEP)
        except UserRaised as exc:
            facts["error"] = exc.facts
        return facts

    def fd_entries(self, values: dict[str, Any], upstream: dict[str, Array],
                   name: str) -> Array | dict[str, Any]:
        """The full central-difference gradient of the loss w.r.t. ``values[name]``."""
        self.notify(self.code.forward_name)
        base = np.asarray(values[name], np.float64)
        grad = np.zeros(base.shape)
        try:
            for index in np.ndindex(base.shape):
                step = np.zeros(base.shape)
                step[index] = FD_STEP
                grad[index] = (self.loss({**values, name: base + step}, upstream)
                               - self.loss({**values, name: base - step}, upstream)) / (
                    2 * FD_STEP)
        except UserRaised as exc:
            return exc.facts
        return grad
