//! A layered drawing of a directed acyclic graph, top to bottom, without Graphviz.
//!
//! The steps are the classic ones for layered drawings:
//! 1. layers: each node goes one layer below its lowest input (the longest path from a
//!    source), then every node with consumers moves down to just above its highest consumer,
//!    so a parameter sits beside the op that uses it rather than at the very top;
//! 2. an edge that spans several layers is cut into one-layer pieces by waypoints (dummy
//!    nodes) that take part in the ordering, so long edges run in lanes between boxes instead
//!    of through them;
//! 3. order within each layer: sweeps down and up that sort each layer by the mean position of
//!    its neighbours in the adjacent layer (the barycentre heuristic), keeping the order with
//!    the fewest crossings seen;
//! 4. horizontal positions: each node is pulled towards the weighted median of its
//!    neighbours' centres (links between ops weigh more than links from leaves),
//!    then the layer is spread to keep the boxes apart with the least total movement
//!    (isotonic regression by pool-adjacent-violators), a few rounds down and up;
//! 5. routes: every edge leaves its source's bottom and enters its target's top at a port of
//!    its own (ports ordered by where the other end lies), and bends through its waypoints.

/// Horizontal room between neighbouring boxes in a layer.
const GAP: f64 = 28.0;
/// Horizontal room a waypoint takes.
const WAYPOINT_WIDTH: f64 = 10.0;
/// Vertical room between layers.
const LAYER_GAP: f64 = 58.0;
/// Room around the drawing.
pub(super) const MARGIN: f64 = 20.0;
/// Barycentre sweeps (each one down then up).
const ORDER_SWEEPS: usize = 12;
/// Rounds of pulling nodes towards their neighbours.
const POSITION_ROUNDS: usize = 24;
/// How much harder a link between two ops (or waypoints) pulls than one from a leaf.
const CHAIN_PULL: f64 = 4.0;
/// How little a leaf resists being pushed aside when a layer is spread out, against an op's
/// total pull: the ops stay where their neighbours want them and the leaves make room.
const LEAF_WEIGHT: f64 = 0.05;

/// Where everything goes.
#[derive(Debug, Clone)]
pub(super) struct Layout {
    /// Each node's box: left, top (its size is the one it was given).
    pub boxes: Vec<(f64, f64)>,
    /// Each edge's route: its start (on the source's bottom), waypoints, and its end (on the
    /// target's top). Waypoints come in pairs, the top and bottom of a layer the edge passes.
    pub routes: Vec<Vec<(f64, f64)>>,
    /// Total width and height, margins included.
    pub size: (f64, f64),
}

/// Lays out `count` boxes of `box_size` joined by `edges` (source, target). Every edge must go
/// from a lower to a higher index (creation order is a topological order); an edge may repeat.
pub(super) fn layout(count: usize, box_size: (f64, f64), edges: &[(usize, usize)]) -> Layout {
    debug_assert!(edges.iter().all(|&(a, b)| a < b && b < count));
    let layers = assign_layers(count, edges);
    let layer_count = layers.iter().max().map_or(0, |&l| l + 1);

    // Vertices: the nodes, then the waypoints; each edge becomes a chain of one-layer links.
    let mut layer_of = layers.clone();
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(edges.len());
    for &(from, to) in edges {
        let mut chain = vec![from];
        for layer in layers[from] + 1..layers[to] {
            chain.push(layer_of.len());
            layer_of.push(layer);
        }
        chain.push(to);
        chains.push(chain);
    }
    let vertices = layer_of.len();
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); vertices];
    for chain in &chains {
        for pair in chain.windows(2) {
            down[pair[0]].push(pair[1]);
            up[pair[1]].push(pair[0]);
        }
    }
    let width = |v: usize| {
        if v < count {
            box_size.0
        } else {
            WAYPOINT_WIDTH
        }
    };

    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); layer_count];
    for v in 0..vertices {
        rows[layer_of[v]].push(v);
    }
    order_layers(&mut rows, &up, &down);

    let centres = place_horizontally(&rows, &up, &down, width);
    let left = (0..vertices)
        .map(|v| centres[v] - width(v) / 2.0)
        .fold(f64::INFINITY, f64::min);
    let right = (0..vertices)
        .map(|v| centres[v] + width(v) / 2.0)
        .fold(f64::NEG_INFINITY, f64::max);
    let shift = MARGIN - if left.is_finite() { left } else { 0.0 };
    let x = |v: usize| centres[v] + shift;
    let top = |layer: usize| MARGIN + layer as f64 * (box_size.1 + LAYER_GAP);

    let boxes = (0..count)
        .map(|v| (x(v) - box_size.0 / 2.0, top(layers[v])))
        .collect();
    let ports = Ports::new(&chains, count, &x, box_size.0);
    let routes = chains
        .iter()
        .enumerate()
        .map(|(e, chain)| {
            let (from, to) = (chain[0], chain[chain.len() - 1]);
            let mut route = vec![(ports.out[e], top(layers[from]) + box_size.1)];
            for &w in &chain[1..chain.len() - 1] {
                route.push((x(w), top(layer_of[w])));
                route.push((x(w), top(layer_of[w]) + box_size.1));
            }
            route.push((ports.into[e], top(layers[to])));
            route
        })
        .collect();
    let width = if right.is_finite() {
        right - left + 2.0 * MARGIN
    } else {
        2.0 * MARGIN
    };
    let height = top(layer_count) - LAYER_GAP + MARGIN;
    Layout {
        boxes,
        routes,
        size: (width, height.max(2.0 * MARGIN)),
    }
}

/// Longest path from a source, then each node with consumers moved down to just above its
/// highest consumer (visited from the last node back, so a chain moves down together).
fn assign_layers(count: usize, edges: &[(usize, usize)]) -> Vec<usize> {
    let mut layer = vec![0usize; count];
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut sorted = edges.to_vec();
    sorted.sort_by_key(|&(_, to)| to);
    for &(from, to) in &sorted {
        layer[to] = layer[to].max(layer[from] + 1);
        consumers[from].push(to);
    }
    for v in (0..count).rev() {
        if let Some(highest) = consumers[v].iter().map(|&c| layer[c]).min() {
            layer[v] = layer[v].max(highest - 1);
        }
    }
    layer
}

/// Orders each row by barycentre sweeps, keeping the order with the fewest crossings.
fn order_layers(rows: &mut [Vec<usize>], up: &[Vec<usize>], down: &[Vec<usize>]) {
    let mut position = vec![0usize; up.len()];
    let index = |rows: &[Vec<usize>], position: &mut [usize]| {
        for row in rows {
            for (i, &v) in row.iter().enumerate() {
                position[v] = i;
            }
        }
    };
    index(rows, &mut position);
    let mut best = rows.to_vec();
    let mut best_crossings = crossings(rows, down, &position);
    for _ in 0..ORDER_SWEEPS {
        if best_crossings == 0 {
            break;
        }
        for row in rows.iter_mut().skip(1) {
            sort_by_barycentre(row, up, &mut position);
        }
        let below = rows.len().saturating_sub(1);
        for row in rows[..below].iter_mut().rev() {
            sort_by_barycentre(row, down, &mut position);
        }
        let now = crossings(rows, down, &position);
        if now < best_crossings {
            best_crossings = now;
            best = rows.to_vec();
        }
    }
    rows.clone_from_slice(&best);
}

/// Sorts `row` by the mean position of each vertex's neighbours (a vertex without any keeps
/// its place), then records the new positions.
fn sort_by_barycentre(row: &mut [usize], neighbours: &[Vec<usize>], position: &mut [usize]) {
    let key = |v: usize, position: &[usize]| {
        let n = &neighbours[v];
        if n.is_empty() {
            position[v] as f64
        } else {
            n.iter().map(|&u| position[u] as f64).sum::<f64>() / n.len() as f64
        }
    };
    let mut keyed: Vec<(f64, usize)> = row.iter().map(|&v| (key(v, position), v)).collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (i, (_, v)) in keyed.into_iter().enumerate() {
        row[i] = v;
        position[v] = i;
    }
}

/// Pairs of links between adjacent rows that cross.
fn crossings(rows: &[Vec<usize>], down: &[Vec<usize>], position: &[usize]) -> usize {
    let mut total = 0;
    for row in rows {
        let links: Vec<(usize, usize)> = row
            .iter()
            .flat_map(|&v| down[v].iter().map(move |&w| (position[v], position[w])))
            .collect();
        for (i, a) in links.iter().enumerate() {
            total += links[i + 1..]
                .iter()
                .filter(|b| (a.0 < b.0 && a.1 > b.1) || (a.0 > b.0 && a.1 < b.1))
                .count();
        }
    }
    total
}

/// Centres for every vertex: rows packed left to right, then rounds in which each vertex is
/// pulled towards the weighted median of its neighbours' centres and the row spread apart
/// again. Links between ops (and waypoints) pull harder than links from a leaf, and leaves
/// give way when a layer is spread, so the chain of ops runs straight down and the
/// parameters sit to its sides.
fn place_horizontally(
    rows: &[Vec<usize>],
    up: &[Vec<usize>],
    down: &[Vec<usize>],
    width: impl Fn(usize) -> f64,
) -> Vec<f64> {
    let leaf = |v: usize| up[v].is_empty();
    let pull = |u: usize, v: usize| if leaf(u) || leaf(v) { 1.0 } else { CHAIN_PULL };
    let mut centre = vec![0.0; up.len()];
    for row in rows {
        let mut x = 0.0;
        for &v in row {
            centre[v] = x + width(v) / 2.0;
            x += width(v) + GAP;
        }
    }
    for round in 0..POSITION_ROUNDS {
        let order: Vec<usize> = if round % 2 == 0 {
            (0..rows.len()).collect()
        } else {
            (0..rows.len()).rev().collect()
        };
        for l in order {
            let mut desired = Vec::with_capacity(rows[l].len());
            let mut weights = Vec::with_capacity(rows[l].len());
            for &v in &rows[l] {
                let pulls: Vec<(f64, f64)> = up[v]
                    .iter()
                    .chain(&down[v])
                    .map(|&u| (centre[u], pull(u, v)))
                    .collect();
                weights.push(if leaf(v) {
                    LEAF_WEIGHT
                } else {
                    pulls.iter().map(|p| p.1).sum::<f64>().max(1.0)
                });
                desired.push(weighted_median(pulls, centre[v]).unwrap_or(centre[v]));
            }
            let widths: Vec<f64> = rows[l].iter().map(|&v| width(v)).collect();
            for (&v, x) in rows[l].iter().zip(spread(&desired, &widths, &weights)) {
                centre[v] = x;
            }
        }
    }
    centre
}

/// The point that splits the weights of `(position, weight)` pairs in half; on a tie, where
/// any point between the two middle positions does, the one of those closest to `now`. `None`
/// without pairs.
fn weighted_median(mut pulls: Vec<(f64, f64)>, now: f64) -> Option<f64> {
    pulls.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = pulls.iter().map(|p| p.1).sum::<f64>() / 2.0;
    let mut below = 0.0;
    for (i, &(x, w)) in pulls.iter().enumerate() {
        below += w;
        if below > half {
            return Some(x);
        }
        if below == half {
            return Some(now.clamp(x, pulls[i + 1].0));
        }
    }
    None
}

/// The centres closest to `desired` (least squares, each weighted) that keep neighbours at
/// least their half widths plus [`GAP`] apart, in the given order: with each centre less its
/// offset from the first, the constraint says the shifted values do not decrease, which is
/// isotonic regression. Heavier vertices move less.
fn spread(desired: &[f64], widths: &[f64], weights: &[f64]) -> Vec<f64> {
    let mut offset = vec![0.0; desired.len()];
    for i in 1..desired.len() {
        offset[i] = offset[i - 1] + (widths[i - 1] + widths[i]) / 2.0 + GAP;
    }
    // Pool adjacent violators: blocks of (weighted sum, total weight, count), merged while a
    // block's mean is below the previous one's.
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for ((d, o), &w) in desired.iter().zip(&offset).zip(weights) {
        blocks.push(((d - o) * w, w, 1));
        while blocks.len() > 1 {
            let (s1, w1, n1) = blocks[blocks.len() - 1];
            let (s0, w0, n0) = blocks[blocks.len() - 2];
            if s0 / w0 <= s1 / w1 {
                break;
            }
            blocks.pop();
            *blocks.last_mut().expect("two blocks were there") = (s0 + s1, w0 + w1, n0 + n1);
        }
    }
    let mut out = Vec::with_capacity(desired.len());
    for (sum, weight, n) in blocks {
        for _ in 0..n {
            out.push(sum / weight + offset[out.len()]);
        }
    }
    out
}

/// Where each edge leaves its source and enters its target: a node's outgoing edges share
/// its bottom, spread out in the order of where they go next; its incoming edges share its
/// top, in the order of where they come from.
struct Ports {
    out: Vec<f64>,
    into: Vec<f64>,
}

impl Ports {
    fn new(chains: &[Vec<usize>], count: usize, x: &impl Fn(usize) -> f64, box_width: f64) -> Self {
        let mut leaving: Vec<Vec<(f64, usize)>> = vec![Vec::new(); count];
        let mut arriving: Vec<Vec<(f64, usize)>> = vec![Vec::new(); count];
        for (e, chain) in chains.iter().enumerate() {
            let n = chain.len();
            leaving[chain[0]].push((x(chain[1]), e));
            arriving[chain[n - 1]].push((x(chain[n - 2]), e));
        }
        let mut ports = Ports {
            out: vec![0.0; chains.len()],
            into: vec![0.0; chains.len()],
        };
        let usable = box_width * 0.7;
        for (v, (mut leave, mut arrive)) in leaving.into_iter().zip(arriving).enumerate() {
            for (list, slot) in [(&mut leave, &mut ports.out), (&mut arrive, &mut ports.into)] {
                list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let k = list.len() as f64;
                for (i, &(_, e)) in list.iter().enumerate() {
                    slot[e] = x(v) - usable / 2.0 + usable * (i as f64 + 1.0) / (k + 1.0);
                }
            }
        }
        ports
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOX: (f64, f64) = (100.0, 40.0);

    fn overlapping(l: &Layout) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (i, a) in l.boxes.iter().enumerate() {
            for (j, b) in l.boxes.iter().enumerate().skip(i + 1) {
                if (a.0 - b.0).abs() < BOX.0 + GAP - 1e-9 && (a.1 - b.1).abs() < BOX.1 {
                    out.push((i, j));
                }
            }
        }
        out
    }

    #[test]
    fn a_chain_is_a_straight_column() {
        let l = layout(3, BOX, &[(0, 1), (1, 2)]);
        assert_eq!(assign_layers(3, &[(0, 1), (1, 2)]), [0, 1, 2]);
        assert!(l.boxes.iter().all(|b| b.0 == MARGIN));
        assert_eq!(l.boxes[1].1, MARGIN + BOX.1 + LAYER_GAP);
        assert_eq!(
            l.size,
            (
                BOX.0 + 2.0 * MARGIN,
                3.0 * BOX.1 + 2.0 * LAYER_GAP + 2.0 * MARGIN
            )
        );
        // The route runs from the bottom centre of one box to the top centre of the next.
        assert_eq!(
            l.routes[0],
            [
                (MARGIN + 50.0, MARGIN + BOX.1),
                (MARGIN + 50.0, l.boxes[1].1)
            ]
        );
    }

    #[test]
    fn a_leaf_sits_just_above_its_consumer() {
        // 0 -> 2 -> 3, and the leaf 1 feeds only 3.
        let edges = [(0, 2), (2, 3), (1, 3)];
        assert_eq!(assign_layers(4, &edges), [0, 1, 1, 2]);
        let l = layout(4, BOX, &edges);
        // Its consumer sits between the two boxes above it.
        let centre = |i: usize| l.boxes[i].0 + BOX.0 / 2.0;
        let (low, high) = (centre(1).min(centre(2)), centre(1).max(centre(2)));
        assert!(low < centre(3) && centre(3) < high, "{:?}", l.boxes);
        assert!(overlapping(&l).is_empty());
    }

    #[test]
    fn a_long_edge_bends_through_waypoints_beside_the_boxes() {
        // 0 feeds 1 -> 2 -> 3 and also 3 directly: that edge passes layers 1 and 2.
        let edges = [(0, 1), (1, 2), (2, 3), (0, 3)];
        assert_eq!(assign_layers(4, &edges), [0, 1, 2, 3]);
        let l = layout(4, BOX, &edges);
        let route = &l.routes[3];
        assert_eq!(route.len(), 6);
        for &(x, _) in &route[1..5] {
            // Each waypoint is clear of the boxes in its layer.
            let clear = l.boxes[1..3]
                .iter()
                .all(|b| x < b.0 - WAYPOINT_WIDTH / 2.0 || x > b.0 + BOX.0 + WAYPOINT_WIDTH / 2.0);
            assert!(clear, "waypoint at {x} hits a box: {:?}", l.boxes);
        }
    }

    #[test]
    fn ordering_removes_avoidable_crossings() {
        // Two pairs created crosswise: 0 -> 3, 1 -> 2; drawn side by side they need not cross.
        let l = layout(4, BOX, &[(1, 2), (0, 3)]);
        let (a, b) = (&l.routes[0], &l.routes[1]);
        assert_eq!((a[0].0 < b[0].0), (a[1].0 < b[1].0), "{a:?} {b:?}");
        assert!(overlapping(&l).is_empty());
    }

    #[test]
    fn a_repeated_edge_gets_two_ports() {
        let l = layout(2, BOX, &[(0, 1), (0, 1)]);
        assert_ne!(l.routes[0][0].0, l.routes[1][0].0);
        assert_ne!(l.routes[0][1].0, l.routes[1][1].0);
    }

    #[test]
    fn spreading_moves_boxes_as_little_as_possible() {
        // Both want 0: they end up symmetric around it, exactly far enough apart.
        let x = spread(&[0.0, 0.0], &[100.0, 100.0], &[1.0, 1.0]);
        assert_eq!(x, [-64.0, 64.0]);
        // A heavier one moves less: 3 times less here.
        let x = spread(&[0.0, 0.0], &[100.0, 100.0], &[3.0, 1.0]);
        assert_eq!(x, [-32.0, 96.0]);
        assert_eq!(
            weighted_median(vec![(3.0, 1.0), (0.0, 1.0)], 1.5),
            Some(1.5)
        );
        assert_eq!(
            weighted_median(vec![(3.0, 1.0), (0.0, 1.0)], 7.0),
            Some(3.0)
        );
        assert_eq!(
            weighted_median(vec![(3.0, 1.0), (0.0, 1.0), (9.0, 4.0)], 0.0),
            Some(9.0)
        );
        assert_eq!(weighted_median(Vec::new(), 0.0), None);
        // Already apart: unchanged.
        assert_eq!(
            spread(&[0.0, 500.0], &[100.0, 100.0], &[1.0, 1.0]),
            [0.0, 500.0]
        );
        // The empty graph.
        let l = layout(0, BOX, &[]);
        assert_eq!(l.size, (2.0 * MARGIN, 2.0 * MARGIN));
    }
}
