//! Planning a validated chain's frame: the order nodes run in and the texture slots they share.

/// The slot of a node without an output texture.
pub(crate) const NO_SLOT: usize = usize::MAX;

/// Transient aliasing of node outputs: which texture slot holds each node's output, and
/// each slot's size. A slot is taken again, later in the frame, once every consumer of the
/// node that wrote it has run; the slots of `keep` (the outputs shown) are never taken again. The
/// inputs of a node are still in use when it runs, so a node never writes a slot it reads.
///
/// `order` is topological; `inputs[i]` are node `i`'s inputs; `sizes[i]` its output size,
/// `[0, 0]` for nodes without an output texture (scene nodes), which get [`NO_SLOT`].
#[must_use]
pub(crate) fn plan_slots(
    order: &[usize],
    inputs: &[Vec<usize>],
    sizes: &[[u32; 2]],
    keep: &[usize],
) -> (Vec<usize>, Vec<[u32; 2]>) {
    let n = sizes.len();
    let mut pos = vec![0; n];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p;
    }
    let mut last = pos.clone();
    for (c, ins) in inputs.iter().enumerate() {
        for &i in ins {
            last[i] = last[i].max(pos[c]);
        }
    }
    for &k in keep.iter().filter(|&&k| k < n) {
        last[k] = usize::MAX;
    }
    let mut slot_of = vec![NO_SLOT; n];
    let mut slot_sizes: Vec<[u32; 2]> = Vec::new();
    let mut active: Vec<(usize, usize)> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    for (p, &i) in order.iter().enumerate() {
        if sizes[i] == [0, 0] {
            continue;
        }
        active.retain(|&(until, slot)| {
            let done = until < p;
            if done {
                free.push(slot);
            }
            !done
        });
        let reusable = free.iter().position(|&s| slot_sizes[s] == sizes[i]);
        let slot = if let Some(k) = reusable {
            free.swap_remove(k)
        } else {
            slot_sizes.push(sizes[i]);
            slot_sizes.len() - 1
        };
        slot_of[i] = slot;
        active.push((last[i], slot));
    }
    (slot_of, slot_sizes)
}

/// Kahn's algorithm, stable (ties keep index order). On a cycle, returns one cycle's nodes.
pub(crate) fn topological_order(inputs: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = inputs.len();
    let mut indegree: Vec<usize> = inputs.iter().map(Vec::len).collect();
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ins) in inputs.iter().enumerate() {
        for &j in ins {
            consumers[j].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &c in &consumers[i] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.insert(c);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk inputs among the remaining nodes until one repeats: that is a cycle.
    let mut seen = vec![usize::MAX; n];
    let mut cur = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    let mut path = Vec::new();
    while seen[cur] == usize::MAX {
        seen[cur] = path.len();
        path.push(cur);
        cur = inputs[cur]
            .iter()
            .copied()
            .find(|&j| indegree[j] > 0)
            .unwrap_or(cur);
    }
    let mut cycle: Vec<usize> = path[seen[cur]..].to_vec();
    // Report in data-flow order (producer first).
    cycle.reverse();
    Err(cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_puts_inputs_first_and_is_stable() {
        // 0 <- 2, 1 <- 0
        let inputs = vec![vec![2], vec![0], vec![]];
        assert_eq!(topological_order(&inputs), Ok(vec![2, 0, 1]));
        assert_eq!(
            topological_order(&[vec![], vec![], vec![]]),
            Ok(vec![0, 1, 2])
        );
    }

    #[test]
    fn a_linear_chain_needs_two_slots_and_the_output_keeps_its_own() {
        let n = 100;
        let order: Vec<usize> = (0..n).collect();
        let inputs: Vec<Vec<usize>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        let sizes = vec![[64, 64]; n];
        let (slot_of, slots) = plan_slots(&order, &inputs, &sizes, &[n - 1]);
        assert_eq!(slots.len(), 2, "{slot_of:?}");
        for i in 1..n {
            assert_ne!(
                slot_of[i],
                slot_of[i - 1],
                "node {i} would overwrite its input"
            );
        }
    }

    #[test]
    fn slots_are_reused_only_after_every_consumer_and_by_size() {
        // 0 feeds 1 and 3; 2 is another size; 3 = f(0, 1) is the output.
        let order = vec![0, 1, 2, 3];
        let inputs = vec![vec![], vec![0], vec![], vec![0, 1]];
        let sizes = vec![[8, 8], [8, 8], [4, 4], [8, 8]];
        let (slot_of, slots) = plan_slots(&order, &inputs, &sizes, &[3]);
        // 0 and 1 are both read by 3: three slots of 8x8 at least... 0, 1, 3 all distinct.
        assert_ne!(slot_of[0], slot_of[1]);
        assert_ne!(slot_of[3], slot_of[0]);
        assert_ne!(slot_of[3], slot_of[1]);
        assert_eq!(slots[slot_of[2]], [4, 4]);
        // A dead node's slot is free at once for the next of its size.
        let (s, _) = plan_slots(&[0, 1], &[vec![], vec![]], &[[8, 8], [8, 8]], &[1]);
        assert_eq!(s[0], s[1]);
    }

    #[test]
    fn cycles_are_found() {
        let inputs = vec![vec![1], vec![2], vec![0], vec![]];
        let cycle = topological_order(&inputs).expect_err("cycle");
        assert_eq!(cycle.len(), 3);
        assert_eq!(topological_order(&[vec![0]]), Err(vec![0]));
    }
}
