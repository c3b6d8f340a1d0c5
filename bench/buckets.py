#!/usr/bin/env python3
"""buckets.py - where a ghost's time goes, from a `perf record -a -g` profile (bench/README.md).

    perf record -a -g -o P.data -- CMD;  bench/buckets.py P.data COMM [COMM...]

Each sample of the named commands (the burner's, and ksoftirqd/N where the RCU callbacks that
free the failed tasks may run) goes to the first bucket whose frames its call chain contains,
in the order below; the shares are of all those samples.
"""
import subprocess, sys, collections
data, comms = sys.argv[1], sys.argv[2:]
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym"], capture_output=True,
                     text=True).stdout
# (bucket, frames that put a sample in it), checked in this order on the whole chain
RULES = [
    ("waiting for pidmap_lock", {"__pv_queued_spin_lock_slowpath"}, {"alloc_pid", "free_pid"}),
    ("RCU callbacks (softirq): freeing tasks, pids, tree nodes", {"rcu_do_batch"}, None),
    ("alloc_pid / free_pid (mostly under pidmap_lock)", {"alloc_pid", "free_pid"}, None),
    ("kernel stack: memcg charge, account, clear", {"alloc_thread_stack_node", "memcg_charge_kernel_stack.part.0", "account_kernel_stack.isra.0", "exit_task_stack_account", "put_task_stack"}, None),
    ("task_struct: allocate and copy", {"dup_task_struct", "arch_dup_task_struct", "kmem_cache_alloc_node_noprof"}, None),
    ("FPU state copy", {"fpu_clone"}, None),
    ("sched_fork", {"sched_fork"}, None),
    ("creds and RLIMIT_NPROC count", {"copy_creds", "inc_rlimit_ucounts", "dec_rlimit_ucounts", "exit_creds"}, None),
    ("LSM, audit, perf hooks", {"security_task_alloc", "security_task_free", "audit_alloc", "perf_event_init_task", "__audit_free", "audit_free"}, None),
    ("the fd that fails (EMFILE)", {"pidfd_prepare", "__pidfd_prepare", "get_unused_fd_flags", "alloc_fd"}, None),
    ("anchors and reaping (real tasks)", {"pc_raw_clone_exit", "do_wait", "__x64_sys_exit", "do_exit", "release_task"}, None),
    ("rest of copy_process and its undo", {"copy_process"}, None),
    ("syscall entry, user side", {"__do_sys_clone3", "do_syscall_64", "pc_raw_clone3_exit", "entry_SYSCALL_64_after_hwframe"}, None),
]
total = 0
cnt = collections.Counter()
for block in out.split("\n\n"):
    lines = block.strip().splitlines()
    if not lines:
        continue
    comm = lines[0].split()[0]
    if comm not in comms:
        continue
    syms = [l.split()[-1] for l in lines[1:] if l.strip()]
    total += 1
    for name, frames, needs in RULES:
        if any(s in frames for s in syms) and (needs is None or any(s in needs for s in syms)):
            cnt[name] += 1
            break
    else:
        cnt["other"] += 1
print(f"{total} samples of {','.join(comms)}")
for name, _, _ in RULES + [("other", None, None)]:
    print(f"  {cnt[name] / total:6.1%}  {name}")
