//! The row kernel: four rows walked through one tree together, vectors of `M` quadrature
//! points, in portable code or compiled for AVX2 / AVX-512 (chosen at run time).

use super::*;

/// Rows walked through a tree together: their (independent) vector chains overlap, where one
/// row alone would wait on each parent's `P` and each feature's running sum.
pub(super) const LANES: usize = 4;

/// Per-thread buffers of the fast kernel, per internal node (or child slot) and lane, for
/// `M` points.
pub(super) struct ScratchM<const M: usize> {
    /// `P` at every internal node.
    p: Vec<[[f64; M]; LANES]>,
    /// `S` at every internal node.
    s: Vec<[[f64; M]; LANES]>,
    /// Per internal node, one bit per lane: the row goes left.
    left: Vec<u8>,
    /// Per internal node, one bit per lane: the row satisfied the feature of the node's incoming
    /// edge all along, that edge included.
    sat: Vec<u8>,
    /// Per child slot and lane: the case of the edge (see [`CASES`]).
    cases: Vec<[u8; LANES]>,
}

impl<const M: usize> ScratchM<M> {
    pub(super) fn new(nodes: usize) -> Self {
        ScratchM {
            p: vec![[[0.0; M]; LANES]; nodes],
            s: vec![[[0.0; M]; LANES]; nodes],
            left: vec![0; nodes],
            sat: vec![0; nodes],
            cases: vec![[0; LANES]; 2 * nodes],
        }
    }
}

/// Per-thread buffers for every point count.
pub(super) struct Scratch {
    pub(super) m4: ScratchM<4>,
    pub(super) m8: ScratchM<8>,
    pub(super) m16: ScratchM<16>,
}

/// `acc + a * b`, elementwise. By value: every load happens before the store, so the compiler
/// need not fear aliasing and emits whole-vector instructions.
#[inline(always)]
pub(super) fn mul_add<const M: usize>(acc: [f64; M], a: [f64; M], b: [f64; M]) -> [f64; M] {
    let mut o = acc;
    for q in 0..M {
        o[q] += a[q] * b[q];
    }
    o
}

/// `a * b`, elementwise (see [`mul_add`]).
#[inline(always)]
pub(super) fn mul<const M: usize>(a: [f64; M], b: [f64; M]) -> [f64; M] {
    let mut o = a;
    for q in 0..M {
        o[q] *= b[q];
    }
    o
}

/// `a + b`, elementwise (see [`mul_add`]).
#[inline(always)]
pub(super) fn add<const M: usize>(a: [f64; M], b: [f64; M]) -> [f64; M] {
    let mut o = a;
    for q in 0..M {
        o[q] += b[q];
    }
    o
}

/// The case of each lane at an edge, indexed by `before << LANES | takes` (one bit per lane:
/// the row satisfied the edge's feature above; it takes the edge): 0 = satisfied so far and
/// takes the edge, 1 = satisfied so far but goes the other way, 2 = failed the feature above.
pub(super) const CASES: [[u8; LANES]; 1 << (2 * LANES)] = {
    let mut t = [[0u8; LANES]; 1 << (2 * LANES)];
    let mut i = 0;
    while i < t.len() {
        let (before, takes) = ((i >> LANES) as u8, (i & ((1 << LANES) - 1)) as u8);
        let mut j = 0;
        while j < LANES {
            let (b, k) = ((before >> j) & 1, (takes >> j) & 1);
            t[i][j] = (1 - b) * 2 + (b & (1 - k));
            j += 1;
        }
        i += 1;
    }
    t
};

/// The `M` coefficients at `at`.
#[inline(always)]
pub(super) fn coef_at<const M: usize>(coef: &[f64], at: usize) -> &[f64; M] {
    debug_assert!(at + M <= coef.len());
    // SAFETY: callers pass `at = (slot * 6 + c) * M` with `slot < 2 n`, `c < 6`, after
    // asserting `coef.len() == 2 n * 6 * M`, so `at + M <= coef.len()`.
    unsafe { &*(coef.as_ptr().add(at) as *const [f64; M]) }
}

/// Adds one tree's contributions for `LANES` rows (row-major, `k` values each, in `rows`) to
/// their per-feature quadrature sums (`acc`, `k` vectors per row). A tree with fewer points
/// (`M`) than the model's widest (`MA`) adds into the first lanes: only their sum is read.
#[inline(always)]
pub(super) fn add_tree<const M: usize, const MA: usize>(
    plan: &TreePlan,
    tree: &Tree,
    rows: &[f64],
    k: usize,
    acc: &mut [[f64; MA]],
    sc: &mut ScratchM<M>,
) {
    let n = plan.node.len();
    let ScratchM { p, s, left, sat, cases } = sc;
    let (p, s, left, sat) = (&mut p[..n], &mut s[..n], &mut left[..n], &mut sat[..n]);
    let cases = &mut cases[..2 * n];
    // Every coefficient read below is at `(slot * 6 + c) * M` with `slot < 2 n` and `c < 6`.
    assert_eq!(plan.coef.len(), 2 * n * 6 * M, "coefficients for {M} points");
    let rows = &rows[..LANES * k];
    let acc = &mut acc[..LANES * k];
    let coef = &plan.coef;
    const ALL: u8 = ((1u16 << LANES) - 1) as u8;
    // Every decision first (independent of one another).
    for (i, left) in left.iter_mut().enumerate() {
        let (f, t, flags) = (plan.feature[i] as usize, plan.threshold[i], plan.flags[i]);
        let mut bits = 0u8;
        for j in 0..LANES {
            let v = rows.get(j * k + f).copied().unwrap_or(f64::NAN);
            let l = if flags & 2 == 0 {
                (v <= t) | ((flags & 1 == 1) & v.is_nan())
            } else {
                tree.goes_left(&tree.nodes[plan.node[i] as usize], v)
            };
            bits |= (l as u8) << j;
        }
        *left = bits;
    }
    p[0] = [[1.0; M]; LANES];
    sat[0] = ALL;
    for i in 0..n {
        let prev = plan.prev[i];
        let b = if prev == NONE { ALL } else { sat[prev as usize] };
        let pp = p[i];
        for side in 0..2 {
            let takes = if side == 0 { left[i] } else { !left[i] & ALL };
            cases[2 * i + side] = CASES[((b as usize) << LANES) | takes as usize];
            let c = plan.child[2 * i + side];
            if c == NONE {
                continue;
            }
            sat[c as usize] = b & takes;
            let base = (2 * i + side) * 6 * M;
            let mut pc = [[0.0; M]; LANES];
            for (j, pc) in pc.iter_mut().enumerate() {
                let kk = cases[2 * i + side][j] as usize;
                *pc = mul(pp[j], *coef_at::<M>(coef, base + kk * M));
            }
            p[c as usize] = pc;
        }
    }
    for i in (0..n).rev() {
        let f = plan.feature[i] as usize;
        // S and this node's feature sum, both sides added in registers before one update of
        // `acc` (updating it per side would chain each side on the other's store).
        let mut si = [[0.0; M]; LANES];
        let mut ai = [[0.0; M]; LANES];
        for side in 0..2 {
            let c = plan.child[2 * i + side];
            let base = (2 * i + side) * 6 * M;
            // A leaf child: S += v r P, sum += v dh r P. An internal child: S += S_c, sum += dh S_c.
            let below = if c == NONE { &p[i] } else { &s[c as usize] };
            for j in 0..LANES {
                let kk = cases[2 * i + side][j] as usize;
                let (a, b) = (coef_at::<M>(coef, base + kk * M), coef_at::<M>(coef, base + (3 + kk) * M));
                si[j] = if c == NONE { mul_add(si[j], *a, below[j]) } else { add(si[j], below[j]) };
                ai[j] = mul_add(ai[j], *b, below[j]);
            }
        }
        for (j, ai) in ai.iter().enumerate() {
            // Only the first `M` of the `MA` lanes: copy them out and back.
            let sum = &mut acc[j * k + f];
            let mut head = [0.0; M];
            head.copy_from_slice(&sum[..M]);
            sum[..M].copy_from_slice(&add(head, *ai));
        }
        s[i] = si;
    }
}

/// Which compilation of the kernel runs: the same code, compiled for wider vectors where the
/// CPU has them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Simd {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    Portable,
}

impl Simd {
    pub(super) fn detect() -> Simd {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Simd::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                return Simd::Avx2;
            }
        }
        Simd::Portable
    }

    /// Every kernel this CPU can run (for tests).
    #[cfg(test)]
    pub(crate) fn available() -> Vec<Simd> {
        let mut all = vec![Simd::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                all.push(Simd::Avx2);
            }
            if std::arch::is_x86_feature_detected!("avx512f") {
                all.push(Simd::Avx512);
            }
        }
        all
    }
}
