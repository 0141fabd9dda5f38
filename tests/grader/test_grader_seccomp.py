"""The seccomp filter against user namespaces (course.grader.seccomp): the program, run by a
small classic-BPF interpreter here, and its loading on this machine; the red-team suite
(test_grader_redteam2.py, "userns-*") tests it in the sandbox.
"""

from __future__ import annotations

import struct

import pytest

from course.grader import seccomp
from course.grader.protections import protections

PROT = protections()


def _run(prog: bytes, data: dict[int, int]) -> int:
    """Interpret a classic-BPF seccomp program on ``struct seccomp_data`` words (offset ->
    32-bit value); returns the action."""
    ins = [struct.unpack("=HBBI", prog[i:i + 8]) for i in range(0, len(prog), 8)]
    pc, a = 0, 0
    while True:
        code, jt, jf, k = ins[pc]
        if code == seccomp.BPF_LD | seccomp.BPF_W | seccomp.BPF_ABS:
            a = data.get(k, 0)
        elif code == seccomp.BPF_RET | seccomp.BPF_K:
            return k
        else:
            op = code & 0xF0
            hit = {seccomp.BPF_JEQ: a == k, seccomp.BPF_JGE: a >= k, seccomp.BPF_JSET: bool(a & k)}[op]
            pc += jt if hit else jf
        pc += 1


@pytest.mark.parametrize("machine", sorted(seccomp.ARCHES))
def test_the_filter_denies_user_namespaces_only(machine):
    prog = seccomp.userns_filter(machine)
    assert prog is not None and len(prog) % 8 == 0
    arch, nr = seccomp.ARCHES[machine]
    eperm = seccomp.SECCOMP_RET_ERRNO | seccomp.EPERM
    allow = seccomp.SECCOMP_RET_ALLOW

    def call(name_or_nr, flags=0, a=arch):
        n = nr[name_or_nr] if isinstance(name_or_nr, str) else name_or_nr
        return _run(prog, {0: n, 4: a, 16: flags})

    assert call("unshare", seccomp.CLONE_NEWUSER) == eperm
    assert call("unshare", seccomp.CLONE_NEWUSER | 0x20000) == eperm
    assert call("clone", seccomp.CLONE_NEWUSER | 17) == eperm
    assert call("setns") == eperm
    assert call("clone3") == seccomp.SECCOMP_RET_ERRNO | seccomp.ENOSYS
    assert call("clone", 0x3D0F00) == allow  # what pthread_create passes
    assert call("clone", 17) == allow  # fork
    assert call("unshare", 0x20000) == allow  # CLONE_NEWNS: refused by the kernel without caps
    assert call(0) == allow and call(39) == allow
    assert call("unshare", seccomp.CLONE_NEWUSER, a=0x40000003) == eperm  # i386 convention
    if machine == "x86_64":
        assert call(0x40000000 | nr["unshare"], seccomp.CLONE_NEWUSER) == eperm  # x32
    assert seccomp.userns_filter("sparc64") is None


@pytest.mark.skipif(not PROT.userns_denied, reason="seccomp filter unavailable here (reported)")
def test_the_filter_loads_and_unshare_fails_here():
    from course.grader.protections import _seccomp_fails

    assert _seccomp_fails() is None
