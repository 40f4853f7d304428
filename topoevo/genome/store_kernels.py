"""The compiled (numba) kernel of :mod:`topoevo.neat.reproduction_arrays`: one generation's offspring made on a
:class:`~topoevo.genome.store.PopulationStore` -- elitism, parent choice, crossover aligned by innovation number,
and the mutations of :mod:`topoevo.genome.mutation` (add node, add connection, toggle, weights, biases, responses,
activations, aggregations), each the readable reference's rule, on arrays. Importing it imports numba."""
from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict

_pair = types.UniTuple(types.int64, 2)
_triple = types.UniTuple(types.int64, 3)

# indices into the float parameters
F_ADD_NODE, F_ADD_CONN, F_TOGGLE, F_W_RATE, F_W_PERTURB, F_W_POWER, F_W_INIT, F_W_MIN, F_W_MAX = range(9)
F_B_RATE, F_B_PERTURB, F_B_POWER, F_B_INIT, F_B_MIN, F_B_MAX = range(9, 15)
F_R_RATE, F_R_PERTURB, F_R_POWER, F_R_INIT, F_R_MIN, F_R_MAX = range(15, 21)
F_ACT_RATE, F_AGG_RATE, F_MUTATE_ONLY, F_INTERSPECIES, F_MATE_ONLY, F_DISABLE = range(21, 27)
F_DELETE_NODE, F_DELETE_CONN = range(27, 29)
N_FLOATS = 29
# indices into the integer parameters
I_ELITISM, I_TRIES, I_EXCLUSIVE, I_FEED_FORWARD, I_NO_SELF_LOOPS, I_NEXT_INN, I_NEXT_NODE = range(7)
I_NEW_ACT, I_NEW_AGG, I_SENSOR_KIND_MAX, I_HIDDEN_KIND = range(7, 11)
N_INTS = 11


@njit(cache=True)
def _clamp(x, lo, hi):
    return lo if x < lo else (hi if x > hi else x)


@njit(cache=True)
def _pick(n):
    return int(np.random.random() * n)


@njit(cache=True)
def _find_conn(inn_col, lo, hi, inn):
    for r in range(lo, hi):
        if inn_col[r] == inn:
            return r
    return -1


@njit(cache=True)
def _has_node(id_col, lo, hi, nid):
    for r in range(lo, hi):
        if id_col[r] == nid:
            return True
    return False


@njit(cache=True)
def _insert_conn(o_inn, o_in, o_out, o_w, o_en, cb, ce, inn, a, b, w):
    """Insert a connection into rows [cb, ce) keeping innovation order; returns the new end."""
    r = ce
    while r > cb and o_inn[r - 1] > inn:
        o_inn[r] = o_inn[r - 1]
        o_in[r] = o_in[r - 1]
        o_out[r] = o_out[r - 1]
        o_w[r] = o_w[r - 1]
        o_en[r] = o_en[r - 1]
        r -= 1
    o_inn[r] = inn
    o_in[r] = a
    o_out[r] = b
    o_w[r] = w
    o_en[r] = True
    return ce + 1


@njit(cache=True)
def _reaches(o_in, o_out, cb, ce, start, target, stack, seen_ids):
    """Is ``target`` reachable from ``start`` along the connections [cb, ce) (enabled or not)?"""
    if start == target:
        return True
    top = 0
    stack[top] = start
    top += 1
    n_seen = 1
    seen_ids[0] = start
    while top > 0:
        top -= 1
        u = stack[top]
        for r in range(cb, ce):
            if o_in[r] == u:
                v = o_out[r]
                if v == target:
                    return True
                known = False
                for k in range(n_seen):
                    if seen_ids[k] == v:
                        known = True
                        break
                if not known:
                    seen_ids[n_seen] = v
                    n_seen += 1
                    stack[top] = v
                    top += 1
    return False


@njit(cache=True)
def _fresh_split(a, b, links, counters):
    node = counters[1]
    counters[1] += 1
    x = counters[0]
    y = x + 1
    counters[0] += 2
    if (a, node) not in links:
        links[(a, node)] = x
    if (node, b) not in links:
        links[(node, b)] = y
    return node, x, y


@njit(cache=True)
def _add_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne,
              o_inn, o_in, o_out, o_w, o_en, cb, ce, ip, fp, links, splits, resplits, counters):
    n_enabled = 0
    for r in range(cb, ce):
        if o_en[r]:
            n_enabled += 1
    if n_enabled == 0:
        return ne, ce, False
    k = _pick(n_enabled)
    old = -1
    for r in range(cb, ce):
        if o_en[r]:
            if k == 0:
                old = r
                break
            k -= 1
    inn, a, b, w = o_inn[old], o_in[old], o_out[old], o_w[old]
    if inn in splits:
        node, x, y = splits[inn]
    else:
        node, x, y = _fresh_split(a, b, links, counters)
        splits[inn] = (node, x, y)
    while _has_node(o_id, nb, ne, node) or _find_conn(o_inn, cb, ce, x) >= 0 or _find_conn(o_inn, cb, ce, y) >= 0:
        key = (inn, node)
        if key in resplits:
            node, x, y = resplits[key]
        else:
            node, x, y = _fresh_split(a, b, links, counters)
            resplits[key] = (node, x, y)
    o_en[old] = False
    o_id[ne] = node
    o_kind[ne] = ip[I_HIDDEN_KIND]
    o_bias[ne] = 0.0
    o_resp[ne] = fp[F_R_INIT]
    o_act[ne] = ip[I_NEW_ACT]
    o_agg[ne] = ip[I_NEW_AGG]
    ce = _insert_conn(o_inn, o_in, o_out, o_w, o_en, cb, ce, x, a, node, 1.0)
    ce = _insert_conn(o_inn, o_in, o_out, o_w, o_en, cb, ce, y, node, b, w)
    return ne + 1, ce, True


@njit(cache=True)
def _add_connection(o_id, o_kind, nb, ne, o_inn, o_in, o_out, o_w, o_en, cb, ce, ip, fp, links, counters,
                    targets, stack, seen_ids):
    n_targets = 0
    for r in range(nb, ne):
        if o_kind[r] > ip[I_SENSOR_KIND_MAX]:
            targets[n_targets] = o_id[r]
            n_targets += 1
    if n_targets == 0:
        return ce, False
    n_nodes = ne - nb
    for _ in range(ip[I_TRIES]):
        a = o_id[nb + _pick(n_nodes)]
        b = targets[_pick(n_targets)]
        if a == b and ip[I_NO_SELF_LOOPS]:
            continue
        found = -1
        for r in range(cb, ce):
            if o_in[r] == a and o_out[r] == b:
                found = r
                break
        if found >= 0:
            if o_en[found]:
                continue
            o_en[found] = True
            return ce, True
        if ip[I_FEED_FORWARD] and _reaches(o_in, o_out, cb, ce, b, a, stack, seen_ids):
            continue
        key = (a, b)
        if key in links:
            inn = links[key]
        else:
            inn = counters[0]
            counters[0] += 1
            links[key] = inn
        if _find_conn(o_inn, cb, ce, inn) >= 0:
            continue
        w = _clamp(fp[F_W_INIT] * np.random.normal(0.0, 1.0), fp[F_W_MIN], fp[F_W_MAX])
        ce = _insert_conn(o_inn, o_in, o_out, o_w, o_en, cb, ce, inn, a, b, w)
        return ce, True
    return ce, False


@njit(cache=True)
def _remove_conn(o_inn, o_in, o_out, o_w, o_en, r, ce):
    """Remove connection row r of rows [.., ce) (order kept); returns the new end."""
    for k in range(r, ce - 1):
        o_inn[k], o_in[k], o_out[k], o_w[k], o_en[k] = o_inn[k + 1], o_in[k + 1], o_out[k + 1], o_w[k + 1], \
            o_en[k + 1]
    return ce - 1


@njit(cache=True)
def _remove_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, r, ne):
    for k in range(r, ne - 1):
        o_id[k], o_kind[k], o_bias[k], o_resp[k] = o_id[k + 1], o_kind[k + 1], o_bias[k + 1], o_resp[k + 1]
        o_act[k], o_agg[k] = o_act[k + 1], o_agg[k + 1]
    return ne - 1


@njit(cache=True)
def _drop_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w, o_en, cb, ce, r):
    """Remove node row r and every connection touching it; returns the new ends."""
    nid = o_id[r]
    ne = _remove_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, r, ne)
    k = cb
    while k < ce:
        if o_in[k] == nid or o_out[k] == nid:
            ce = _remove_conn(o_inn, o_in, o_out, o_w, o_en, k, ce)
        else:
            k += 1
    return ne, ce


@njit(cache=True)
def _prune_dangling(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w, o_en, cb, ce,
                    hidden, dead):
    """``prune_dangling``: remove hidden nodes without an incoming or an outgoing connection (self-loops do not
    count), until none is left."""
    while True:
        n_dead = 0
        for r in range(nb, ne):
            if o_kind[r] != hidden:
                continue
            nid = o_id[r]
            has_in, has_out = False, False
            for k in range(cb, ce):
                if o_in[k] != o_out[k]:
                    if o_out[k] == nid:
                        has_in = True
                    if o_in[k] == nid:
                        has_out = True
            if not (has_in and has_out):
                dead[n_dead] = nid
                n_dead += 1
        if n_dead == 0:
            return ne, ce
        for d in range(n_dead):
            for r in range(nb, ne):
                if o_id[r] == dead[d]:
                    ne, ce = _drop_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w,
                                        o_en, cb, ce, r)
                    break


@njit(cache=True)
def _mutate_attr(col, o_kind, nb, ne, sensor_max, perturb, power, init_mean, init_stdev, lo, hi):
    for r in range(nb, ne):
        if o_kind[r] <= sensor_max:
            continue
        if np.random.random() < perturb:
            v = col[r] + power * np.random.normal(0.0, 1.0)
        else:
            v = init_mean + init_stdev * np.random.normal(0.0, 1.0)
        col[r] = _clamp(v, lo, hi)


@njit(cache=True)
def _mutate_choice(col, o_kind, nb, ne, sensor_max, rate, options):
    for r in range(nb, ne):
        if o_kind[r] > sensor_max and np.random.random() < rate:
            col[r] = options[_pick(len(options))]


@njit(cache=True)
def _mutate(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w, o_en, cb, ce, ip, fp,
            act_options, agg_options, links, splits, resplits, counters, targets, stack, seen_ids):
    """One round of mutation of the child in node rows [nb, ne) and connection rows [cb, ce) (``mutate``'s
    order and probabilities); returns the new ends."""
    structural = False
    if np.random.random() < fp[F_ADD_NODE]:
        ne, ce, structural = _add_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w,
                                       o_en, cb, ce, ip, fp, links, splits, resplits, counters)
    elif np.random.random() < fp[F_ADD_CONN]:
        ce, structural = _add_connection(o_id, o_kind, nb, ne, o_inn, o_in, o_out, o_w, o_en, cb, ce, ip, fp, links,
                                         counters, targets, stack, seen_ids)
    if structural and ip[I_EXCLUSIVE]:
        return ne, ce
    hidden = ip[I_HIDDEN_KIND]
    if fp[F_DELETE_NODE] > 0.0 and np.random.random() < fp[F_DELETE_NODE]:
        n_hidden = 0
        for r in range(nb, ne):
            if o_kind[r] == hidden:
                n_hidden += 1
        if n_hidden > 0:
            k = _pick(n_hidden)
            for r in range(nb, ne):
                if o_kind[r] == hidden:
                    if k == 0:
                        ne, ce = _drop_node(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out,
                                            o_w, o_en, cb, ce, r)
                        break
                    k -= 1
            ne, ce = _prune_dangling(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w,
                                     o_en, cb, ce, hidden, targets)
    if fp[F_DELETE_CONN] > 0.0 and np.random.random() < fp[F_DELETE_CONN] and ce > cb:
        ce = _remove_conn(o_inn, o_in, o_out, o_w, o_en, cb + _pick(ce - cb), ce)
        ne, ce = _prune_dangling(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w, o_en,
                                 cb, ce, hidden, targets)
    if fp[F_TOGGLE] > 0.0 and np.random.random() < fp[F_TOGGLE] and ce > cb:
        r = cb + _pick(ce - cb)
        o_en[r] = not o_en[r]
    if np.random.random() < fp[F_W_RATE]:
        lo, hi, power, p, init = fp[F_W_MIN], fp[F_W_MAX], fp[F_W_POWER], fp[F_W_PERTURB], fp[F_W_INIT]
        for r in range(cb, ce):
            if np.random.random() < p:
                w = o_w[r] + power * np.random.normal(0.0, 1.0)
            else:
                w = init * np.random.normal(0.0, 1.0)
            o_w[r] = _clamp(w, lo, hi)
    smax = ip[I_SENSOR_KIND_MAX]
    if fp[F_B_RATE] > 0.0 and np.random.random() < fp[F_B_RATE]:
        _mutate_attr(o_bias, o_kind, nb, ne, smax, fp[F_B_PERTURB], fp[F_B_POWER], 0.0, fp[F_B_INIT], fp[F_B_MIN],
                     fp[F_B_MAX])
    if fp[F_R_RATE] > 0.0 and np.random.random() < fp[F_R_RATE]:
        _mutate_attr(o_resp, o_kind, nb, ne, smax, fp[F_R_PERTURB], fp[F_R_POWER], fp[F_R_INIT], 0.0, fp[F_R_MIN],
                     fp[F_R_MAX])
    if fp[F_ACT_RATE] > 0.0:
        _mutate_choice(o_act, o_kind, nb, ne, smax, fp[F_ACT_RATE], act_options)
    if fp[F_AGG_RATE] > 0.0:
        _mutate_choice(o_agg, o_kind, nb, ne, smax, fp[F_AGG_RATE], agg_options)
    return ne, ce


@njit(cache=True)
def _copy_genome(p, nb, cb, n_off, n_id, n_kind, n_bias, n_resp, n_act, n_agg, c_off, c_inn, c_in, c_out, c_w, c_en,
                 o_id, o_kind, o_bias, o_resp, o_act, o_agg, o_inn, o_in, o_out, o_w, o_en):
    """Copy parent p's rows to node row nb and connection row cb; returns the new ends."""
    a, b = n_off[p], n_off[p + 1]
    ne = nb + b - a
    o_id[nb:ne], o_kind[nb:ne], o_bias[nb:ne] = n_id[a:b], n_kind[a:b], n_bias[a:b]
    o_resp[nb:ne], o_act[nb:ne], o_agg[nb:ne] = n_resp[a:b], n_act[a:b], n_agg[a:b]
    a, b = c_off[p], c_off[p + 1]
    ce = cb + b - a
    o_inn[cb:ce], o_in[cb:ce], o_out[cb:ce], o_w[cb:ce], o_en[cb:ce] = c_inn[a:b], c_in[a:b], c_out[a:b], c_w[a:b], \
        c_en[a:b]
    return ne, ce


@njit(cache=True)
def reproduce(n_off, n_id, n_kind, n_bias, n_resp, n_act, n_agg, c_off, c_inn, c_in, c_out, c_w, c_en, scores,
              sp_start, sp_size, sp_pool, sp_count, ip, fp, act_options, agg_options, links_in, splits_in,
              resplits_in, seed):
    """Offspring of every species (``reproduce_species``'s rules, species by species in order). Parent rows of a
    species ``s``: ``sp_start[s] + [0, sp_size[s])``, ranked best first, the first ``sp_pool[s]`` its mating pool;
    ``sp_count[s]`` children. Returns the children's tables (over-allocated: offsets say what is used), per child
    (first parent row, second parent row or -1, species index), the tracker's counters and this generation's
    links, splits and resplits (registration order)."""
    np.random.seed(seed)
    n_species = len(sp_count)
    total = 0
    for s in range(n_species):
        if sp_count[s] > 0:
            total += sp_count[s]
    max_nodes, max_conns, max_id = 1, 1, 0
    for p in range(len(n_off) - 1):
        max_nodes = max(max_nodes, n_off[p + 1] - n_off[p])
        max_conns = max(max_conns, c_off[p + 1] - c_off[p])
    for r in range(len(n_id)):
        max_id = max(max_id, n_id[r])
    cap_n, cap_c = total * (max_nodes + 1), total * (max_conns + 2)
    o_id = np.empty(cap_n, np.int64)
    o_kind = np.empty(cap_n, n_kind.dtype)
    o_bias = np.empty(cap_n, np.float64)
    o_resp = np.empty(cap_n, np.float64)
    o_act = np.empty(cap_n, n_act.dtype)
    o_agg = np.empty(cap_n, n_agg.dtype)
    o_inn = np.empty(cap_c, np.int64)
    o_in = np.empty(cap_c, np.int64)
    o_out = np.empty(cap_c, np.int64)
    o_w = np.empty(cap_c, np.float64)
    o_en = np.empty(cap_c, np.bool_)
    o_noff = np.zeros(total + 1, np.int64)
    o_coff = np.zeros(total + 1, np.int64)
    first = np.full(total, -1, np.int64)
    second = np.full(total, -1, np.int64)
    species = np.empty(total, np.int64)
    where = np.full(max_id + 1, -1, np.int64)  # node id -> row of the other parent (crossover)
    targets = np.empty(max_nodes + 2, np.int64)
    stack = np.empty(max_nodes + 2, np.int64)
    seen_ids = np.empty(max_nodes + 2, np.int64)

    links = Dict.empty(key_type=_pair, value_type=types.int64)
    splits = Dict.empty(key_type=types.int64, value_type=_triple)
    resplits = Dict.empty(key_type=_pair, value_type=_triple)
    for k in range(len(links_in)):
        links[(links_in[k, 0], links_in[k, 1])] = links_in[k, 2]
    for k in range(len(splits_in)):
        splits[splits_in[k, 0]] = (splits_in[k, 1], splits_in[k, 2], splits_in[k, 3])
    for k in range(len(resplits_in)):
        resplits[(resplits_in[k, 0], resplits_in[k, 1])] = (resplits_in[k, 2], resplits_in[k, 3], resplits_in[k, 4])
    counters = np.array([ip[I_NEXT_INN], ip[I_NEXT_NODE]], np.int64)
    mutate_only, interspecies, mate_only, disable = fp[F_MUTATE_ONLY], fp[F_INTERSPECIES], fp[F_MATE_ONLY], \
        fp[F_DISABLE]

    child = 0
    nb, cb = 0, 0
    for s in range(n_species):
        n = sp_count[s]
        if n <= 0:
            continue
        made = 0
        if sp_size[s] > ip[I_ELITISM]:  # the champion, unchanged
            p = sp_start[s]
            nb, cb = _copy_genome(p, nb, cb, n_off, n_id, n_kind, n_bias, n_resp, n_act, n_agg, c_off, c_inn, c_in,
                                  c_out, c_w, c_en, o_id, o_kind, o_bias, o_resp, o_act, o_agg, o_inn, o_in, o_out,
                                  o_w, o_en)
            first[child] = p
            species[child] = s
            child += 1
            o_noff[child], o_coff[child] = nb, cb
            made += 1
        n_pool = sp_pool[s]
        while made < n:
            mom = sp_start[s] + _pick(n_pool)
            ne, ce = nb, cb
            if np.random.random() < mutate_only:
                ne, ce = _copy_genome(mom, nb, cb, n_off, n_id, n_kind, n_bias, n_resp, n_act, n_agg, c_off, c_inn,
                                      c_in, c_out, c_w, c_en, o_id, o_kind, o_bias, o_resp, o_act, o_agg, o_inn, o_in,
                                      o_out, o_w, o_en)
                first[child] = mom
                mutating = True
            else:
                dad = -1
                if np.random.random() < interspecies and n_species > 1:
                    o = _pick(n_species - 1)
                    if o >= s:
                        o += 1
                    dad = sp_start[o] + _pick(sp_pool[o])
                else:
                    dad = sp_start[s] + _pick(n_pool)
                sm, sd = scores[mom], scores[dad]
                mom_fitter = sm > sd or (sm == sd and np.random.random() < 0.5)
                f, w2 = (mom, dad) if mom_fitter else (dad, mom)
                # connections: the fitter parent's genes, matched to the other's by innovation number
                j, je = c_off[w2], c_off[w2 + 1]
                for r in range(c_off[f], c_off[f + 1]):
                    inn = c_inn[r]
                    while j < je and c_inn[j] < inn:
                        j += 1
                    o_inn[ce], o_in[ce], o_out[ce] = inn, c_in[r], c_out[r]
                    if j < je and c_inn[j] == inn:
                        o_w[ce] = c_w[r] if np.random.random() < 0.5 else c_w[j]
                        o_en[ce] = (c_en[r] and c_en[j]) or np.random.random() >= disable
                    else:
                        o_w[ce] = c_w[r]
                        o_en[ce] = c_en[r] or np.random.random() >= disable
                    ce += 1
                # nodes: the fitter parent's, each from either parent when both have it
                for r in range(n_off[w2], n_off[w2 + 1]):
                    where[n_id[r]] = r
                for r in range(n_off[f], n_off[f + 1]):
                    src = r
                    if f != w2:
                        r2 = where[n_id[r]] if n_id[r] <= max_id else -1
                        if r2 >= 0 and np.random.random() >= 0.5:
                            src = r2
                    o_id[ne], o_kind[ne], o_bias[ne], o_resp[ne] = n_id[src], n_kind[src], n_bias[src], n_resp[src]
                    o_act[ne], o_agg[ne] = n_act[src], n_agg[src]
                    ne += 1
                for r in range(n_off[w2], n_off[w2 + 1]):
                    where[n_id[r]] = -1
                first[child], second[child] = f, w2
                mutating = dad == mom or np.random.random() >= mate_only
            if mutating:
                ne, ce = _mutate(o_id, o_kind, o_bias, o_resp, o_act, o_agg, nb, ne, o_inn, o_in, o_out, o_w, o_en,
                                 cb, ce, ip, fp, act_options, agg_options, links, splits, resplits, counters, targets,
                                 stack, seen_ids)
            species[child] = s
            child += 1
            nb, cb = ne, ce
            o_noff[child], o_coff[child] = nb, cb
            made += 1

    links_out = np.empty((len(links), 3), np.int64)
    k = 0
    for key, v in links.items():
        links_out[k, 0], links_out[k, 1], links_out[k, 2] = key[0], key[1], v
        k += 1
    splits_out = np.empty((len(splits), 4), np.int64)
    k = 0
    for key, v in splits.items():
        splits_out[k, 0], splits_out[k, 1], splits_out[k, 2], splits_out[k, 3] = key, v[0], v[1], v[2]
        k += 1
    resplits_out = np.empty((len(resplits), 5), np.int64)
    k = 0
    for key, v in resplits.items():
        resplits_out[k, 0], resplits_out[k, 1] = key[0], key[1]
        resplits_out[k, 2], resplits_out[k, 3], resplits_out[k, 4] = v[0], v[1], v[2]
        k += 1
    return (o_noff, o_id[:nb], o_kind[:nb], o_bias[:nb], o_resp[:nb], o_act[:nb], o_agg[:nb],
            o_coff, o_inn[:cb], o_in[:cb], o_out[:cb], o_w[:cb], o_en[:cb], first, second, species,
            counters[0], counters[1], links_out, splits_out, resplits_out)
