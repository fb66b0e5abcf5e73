"""Stable mode: size-aware, participant-proposing deferred acceptance (Gale–Shapley with capacities).

The procedure, exactly:

1. Locked pairs are seated first. They are never displaced; each case's capacity for everyone else is its
   capacity minus the students locked to it. Locked participants do not propose.
2. Every other participant starts free. Free participants wait in a queue, first in natural
   `participant_id` order; a participant rejected later joins the back of the queue.
3. The participant at the front proposes to the next case on its own list that is *acceptable*: ranked by
   it, not vetoed, requirements met, and with a remaining capacity (after locks) of at least its size.
   Each participant proposes to each case at most once.
4. The case holds its tentative participants sorted by its own order (company preferences, then natural
   `participant_id` order). For a proposal by participant `p` of size `s`:
   - if the case has `s` free seats, it holds `p`;
   - otherwise it looks at the participants it holds that it ranks *lower* than `p`, lowest first, and
     releases them one at a time until `s` seats are free. If releasing all of them would still leave fewer
     than `s` free seats, it releases nobody and rejects `p`; otherwise it holds `p` and the released
     participants are rejected (they go to the back of the queue and continue down their own lists);
   - a rejected `p` proposes to its next acceptable case at once.
5. When the queue is empty every participant is held by a case or has run out of acceptable cases.

With individuals only (every size 1) this is the classic deferred acceptance for many-to-one matching with
responsive preferences: the result is stable (no blocking pair, see `verify`) and the best stable assignment
for every participant; the proposal order does not change it. With groups a stable assignment may not exist
(hospitals/residents with sizes is NP-hard), the result depends on the proposal order fixed above, and
`verify` lists any blocking pairs that remain. Runs in O(Σ list lengths × case load) time.
"""

from __future__ import annotations

import bisect
import time
from collections import deque

from .model import Assignment, Instance


def solve_stable(instance: Instance) -> Assignment:
    """Size-aware participant-proposing deferred acceptance; locks are kept and never displaced."""
    started = time.perf_counter()
    participants, locks = instance.participants, instance.locks
    sizes = {pid: p.size for pid, p in participants.items()}
    room = {cid: case.capacity - instance.locked_load[cid] for cid, case in instance.cases.items()}
    free = dict(room)
    held: dict[str, list[tuple[int, str]]] = {cid: [] for cid in instance.cases}  # sorted, best first
    lists = instance.acceptable_cases
    # The case's order of participants (`Instance.priority`), inlined: listed participants first in the
    # company's order, then everyone else in natural id order. The two ranges never overlap.
    listed = instance._listed
    natural = instance._natural_index
    offset = len(participants)
    next_choice = dict.fromkeys(participants, 0)
    queue = deque(pid for pid in instance.participant_order if pid not in locks)

    while queue:
        pid = queue.popleft()
        size, choices = sizes[pid], lists[pid]
        i, n = next_choice[pid], len(choices)
        while i < n:
            cid = choices[i]
            i += 1
            if size > room[cid]:
                continue
            ranked = listed.get(cid)
            prio = ranked[pid] if ranked is not None and pid in ranked else offset + natural[pid]
            key = (prio, pid)
            h = held[cid]
            if free[cid] >= size:
                bisect.insort(h, key)
                free[cid] -= size
                break
            seats, k = free[cid], len(h)
            while k > 0 and seats < size and h[k - 1] > key:
                k -= 1
                seats += sizes[h[k][1]]
            if seats >= size:
                released = h[k:]
                del h[k:]
                bisect.insort(h, key)
                free[cid] = seats - size
                queue.extend(other for _, other in released)
                break
        next_choice[pid] = i

    placement = dict(locks)
    for cid, h in held.items():
        for _, pid in h:
            placement[pid] = cid
    return Assignment.build(instance, placement, mode="stable", started=started, solver_info="udskudt accept")
