#!/usr/bin/env python3
"""lockshare.py - the share of a burner's time under the kernel's pidmap_lock (bench/README.md).

    perf record -a -g -F 4999 -o P.data -- CMD;  bench/lockshare.py P.data COMM

Samples of COMM whose call chain holds alloc_pid or free_pid and whose frames below it are
functions that run with pidmap_lock held (the IDR and pidfs tree work of Linux 6.18) count as
"under pidmap_lock"; those spinning in the lock's slow path as "waiting for it"; the code of
alloc_pid and free_pid themselves counts half. The share under the lock with one worker is the
serial fraction of the many-core plan.
"""
import subprocess, sys, collections
data, comm = sys.argv[1], sys.argv[2]
out = subprocess.run(["perf", "script", "-i", data, "--comm", comm, "-F", "comm,ip,sym"],
                     capture_output=True, text=True).stdout
UNDER = {"idr_alloc_cyclic", "idr_alloc_u32", "idr_get_free", "idr_replace", "pidfs_add_pid",
         "pidfs_remove_pid", "idr_remove", "radix_tree_delete_item", "__radix_tree_delete",
         "delete_node", "radix_tree_iter_replace", "__radix_tree_lookup", "radix_tree_tag_get",
         "radix_tree_tag_clear", "radix_tree_tag_set", "rb_erase", "rb_insert_color",
         "radix_tree_extend", "radix_tree_node_alloc.constprop.0", "radix_tree_node_ctor",
         "_raw_spin_unlock", "__raw_callee_save___pv_queued_spin_unlock", "node_tag_clear",
         "replace_slot", "radix_tree_iter_tag_clear", "__radix_tree_replace", "idr_find"}
WAIT = {"__pv_queued_spin_lock_slowpath", "_raw_spin_lock", "queued_spin_lock_slowpath",
        "pv_wait", "kvm_wait", "native_queued_spin_lock_slowpath"}
total = under = wait = 0
byfn = collections.Counter()
for block in out.split("\n\n"):
    lines = [l.split() for l in block.strip().splitlines()]
    if not lines:
        continue
    syms = [l[-1] for l in lines[1:] if len(l) >= 2]
    total += 1
    if "alloc_pid" in syms or "free_pid" in syms:
        owner = "alloc_pid" if "alloc_pid" in syms else "free_pid"
        frames = syms[:syms.index(owner)]  # leaf .. below alloc_pid/free_pid
        if frames and frames[0] in WAIT:
            wait += 1
            continue
        hit = next((f for f in frames if f in UNDER), None)
        if hit:
            under += 1
            byfn[hit] += 1
        elif not frames:
            byfn[owner + " (self)"] += 1
            under += 0.5  # its own code is half before/after the lock
print(f"{comm}: {total} samples, under pidmap_lock {under/total:.1%}, waiting for it {wait/total:.1%}")
for f, n in byfn.most_common(12):
    print(f"  {f}: {n/total:.2%}")
