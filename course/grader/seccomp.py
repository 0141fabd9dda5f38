"""A seccomp filter that denies user namespaces inside the sandbox (classic BPF, by hand).

A process that may create a user namespace becomes "root" inside it, and with that reaches
kernel code (mount, netfilter, ...) that an unprivileged uid never touches: the kernel attack
surface behind many local privilege escalations. The sandbox never needs one, so the zygote
installs this filter (``prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)``, after
``PR_SET_NO_NEW_PRIVS``) before it imports anything; every job child and every process student
code starts inherits it, and no process can remove it.

The program (:func:`userns_filter`) sees each system call's ``struct seccomp_data``::

    offset 0   int   nr                  system call number
    offset 4   u32   arch                AUDIT_ARCH_* of the calling convention
    offset 8   u64   instruction_pointer
    offset 16  u64   args[6]             arguments (little-endian: low 32 bits first)

and decides, in this order:

1. ``ld [4]`` / ``jeq ARCH``: a call made through another calling convention than the
   native one (``int 0x80`` from an x86_64 process arrives as AUDIT_ARCH_I386, with other
   system call numbers) is refused with EPERM: the numbers below would not mean the same;
2. ``ld [0]`` / ``jge 0x40000000`` (x86_64 only): the x32 ABI marks its numbers with bit 30
   (``__X32_SYSCALL_BIT``); refused with EPERM for the same reason;
3. ``clone3`` returns ENOSYS: its flags sit in a structure in memory, which a filter cannot
   read; glibc then falls back to ``clone`` (threads, ``posix_spawn``), which the filter can;
4. ``setns`` is refused with EPERM: joining a namespace has no use in the sandbox;
5. ``unshare(flags)`` and ``clone(flags, ...)``: ``ld [16]`` loads the low 32 bits of the
   first argument and ``jset CLONE_NEWUSER`` refuses the call with EPERM when the flag is set
   (``fork``, threads, ``subprocess`` and multiprocessing never set it);
6. everything else is allowed (the other protections still apply).

Architectures: x86_64 and aarch64 (system call numbers from the kernel's ``unistd`` headers);
elsewhere :func:`userns_filter` returns None and the protections report says user namespaces
are not denied. :func:`course.grader.protections.protections` checks on this machine that the
filter loads and that ``unshare(CLONE_NEWUSER)`` then fails.
"""

from __future__ import annotations

import platform
import struct

# classic BPF opcodes (linux/bpf_common.h)
BPF_LD, BPF_JMP, BPF_RET = 0x00, 0x05, 0x06
BPF_W, BPF_ABS, BPF_K = 0x00, 0x20, 0x00
BPF_JEQ, BPF_JGE, BPF_JSET = 0x10, 0x30, 0x40
# seccomp return values (linux/seccomp.h)
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM, ENOSYS = 1, 38
CLONE_NEWUSER = 0x10000000
X32_SYSCALL_BIT = 0x40000000

#: per architecture: AUDIT_ARCH value, and the numbers of clone, clone3, unshare, setns
ARCHES: dict[str, tuple[int, dict[str, int]]] = {
    "x86_64": (0xC000003E, {"clone": 56, "clone3": 435, "unshare": 272, "setns": 308}),
    "aarch64": (0xC00000B7, {"clone": 220, "clone3": 435, "unshare": 97, "setns": 268}),
}


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    """One ``struct sock_filter`` (u16 code, u8 jt, u8 jf, u32 k), native byte order."""
    return struct.pack("=HBBI", code, jt, jf, k)


def _ret(value: int) -> bytes:
    return _insn(BPF_RET | BPF_K, 0, 0, value)


def _load(offset: int) -> bytes:
    """A = the 32-bit word at ``offset`` in ``struct seccomp_data``."""
    return _insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, offset)


def _jump(op: int, k: int, jt: int, jf: int) -> bytes:
    """Compare A with ``k``; skip ``jt`` instructions if true, ``jf`` if false."""
    return _insn(BPF_JMP | op | BPF_K, jt, jf, k)


def userns_filter(machine: str | None = None) -> bytes | None:
    """The filter program (a ``sock_filter`` array, 8 bytes an instruction) for ``machine``
    (default: this one's, ``platform.machine()``), or None where it is not known."""
    machine = machine or platform.machine()
    if machine not in ARCHES:
        return None
    arch, nr = ARCHES[machine]
    deny = SECCOMP_RET_ERRNO | EPERM
    prog = [
        _load(4),                                   # 0: A = arch
        _jump(BPF_JEQ, arch, 1, 0),                 # 1: native convention: go on at 3
        _ret(deny),                                 # 2: another convention: EPERM
        _load(0),                                   # 3: A = system call number
    ]
    if machine == "x86_64":
        prog += [_jump(BPF_JGE, X32_SYSCALL_BIT, 0, 1),  # x32 number: next, else skip it
                 _ret(deny)]
    prog += [
        _jump(BPF_JEQ, nr["clone3"], 0, 1),         # clone3: next, else skip it
        _ret(SECCOMP_RET_ERRNO | ENOSYS),           #   ENOSYS: glibc falls back to clone
        _jump(BPF_JEQ, nr["setns"], 0, 1),          # setns: next, else skip it
        _ret(deny),                                 #   EPERM
        _jump(BPF_JEQ, nr["unshare"], 1, 0),        # unshare: to the flags test
        _jump(BPF_JEQ, nr["clone"], 0, 3),          # clone: to the flags test, else allow
        _load(16),                                  # A = low 32 bits of args[0] (the flags)
        _jump(BPF_JSET, CLONE_NEWUSER, 0, 1),       # CLONE_NEWUSER set: next, else allow
        _ret(deny),                                 #   EPERM
        _ret(SECCOMP_RET_ALLOW),                    # everything else
    ]
    return b"".join(prog)
