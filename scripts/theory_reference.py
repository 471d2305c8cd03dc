#!/usr/bin/python3
"""Reference values for tests/test_theory*.cpp, computed independently of the C++ code with mpmath
(arbitrary precision, its own Bessel / incomplete beta / quadrature). Run: python3 scripts/theory_reference.py
Each printed block names the C++ function it checks; the tests quote these numbers to 17 digits.
python3 scripts/theory_reference.py --large prints the large-a critical-law block instead (slow);
--nearest the large-lambda block (nearest_point, ~30 s a value at 10 nodes, ~2 min at 20)."""
import mpmath as mp
import numpy as np

mp.mp.dps = 60


def c_d(d):
    a = mp.mpf(d - 1) / 2
    return mp.power(2, a) / ((d - 1) * mp.beta(mp.mpf(1) / 2, a))


def bessel_ratio(d, beta):  # A_d(beta) = I_{d/2}(beta) / I_{d/2-1}(beta)
    nu = mp.mpf(d) / 2 - 1
    return mp.besseli(nu + 1, beta) / mp.besseli(nu, beta)


def log_M(d, beta):  # log Gamma(d/2) (2/beta)^{d/2-1} I_{d/2-1}(beta)
    nu = mp.mpf(d) / 2 - 1
    return mp.loggamma(nu + 1) + nu * mp.log(2 / beta) + mp.log(mp.besseli(nu, beta))


def tilted_variance(d, beta):  # A' = 1 - A^2 - (d-1) A / beta, at 60 digits the cancellation is harmless
    A = bessel_ratio(d, beta)
    return 1 - A * A - (d - 1) * A / beta


def log_cdf(d, s):  # log I_{s/2}(a, a)
    a = mp.mpf(d - 1) / 2
    return mp.log(mp.betainc(a, a, 0, s / 2, regularized=True))


def quantile_from_log(d, log_p):
    a = mp.mpf(d - 1) / 2
    # log I_x(a, a) is increasing in t = log x; solve by bisection-safe secant on t.
    f = lambda t: mp.log(mp.betainc(a, a, 0, mp.exp(t), regularized=True)) - log_p
    guess = (log_p + mp.log(a) + mp.log(mp.beta(a, a))) / a
    t = mp.findroot(f, (guess - 1, min(guess + 1, mp.log(0.5))), solver='anderson')
    return 2 * mp.exp(t)


def ein(u):  # Ein(u) = int_0^u (1 - e^{-t})/t dt = gamma + log u + E1(u)
    return mp.euler + mp.log(u) + mp.e1(u) if u > mp.mpf('1e-3') else -mp.nsum(lambda k: (-u) ** k / (k * mp.factorial(k)), [1, mp.inf])


def mecke_ipr_a1(lam):
    """a = 1: Psi(u) = Ein(u lam^{-1}...) in closed form. With g = e^{-lam y}, dmu = dy:
    Psi(u) = (1/lam) Ein(u), int g^2 e^{-ug} dmu = (1/lam) (1 - (1+u) e^{-u}) / u^2."""
    lam = mp.mpf(lam)
    psi = lambda u: ein(u) / lam
    phi2 = lambda u: (1 - (1 + u) * mp.exp(-u)) / (u * u) / lam
    return mp.quad(lambda u: u * phi2(u) * mp.exp(-psi(u)), [0, 1, 10, 100, mp.inf])


def mecke_entropy_a1(lam):
    lam = mp.mpf(lam)
    psi = lambda u: ein(u) / lam
    log_s = mp.quad(lambda u: (mp.exp(-u) - mp.exp(-psi(u))) / u, [0, 1, 10, 100, mp.inf])
    # sum lam Y_k g_k / S: int du [int lam y g e^{-ug} dy] e^{-Psi}; with w = e^{-lam y}:
    # int lam y g e^{-ug} dy = (1/lam) int_0^1 (-log w) e^{-uw} dw.
    inner = lambda u: mp.quad(lambda w: -mp.log(w) * mp.exp(-u * w), [0, 1]) / lam
    second = mp.quad(lambda u: inner(u) * mp.exp(-psi(u)), [0, 1, 10, 100, mp.inf])
    return log_s + second


def mecke_ipr_general(a, lam):
    """Nested quadrature of THEORY.md section 3 in the variable m = y^a (dmu = dm, g = e^{-lam m^{1/a}}),
    which removes the y^{a-1} endpoint singularity (the y form is inaccurate in mpmath for a < 1)."""
    a, lam = mp.mpf(a), mp.mpf(lam)
    g = lambda m: mp.exp(-lam * m ** (1 / a))
    def cuts(u):  # the transition u g ~ 1 sits at y* = log(u)/lam and is ~1/lam wide: split there
        y_star = max(mp.log(u), 0) / lam
        ys = sorted(set([0] + [y for y in (y_star - 3, y_star, y_star + 3, y_star + 10, y_star + 40) if y > 0]))
        return [y ** a for y in ys] + [mp.inf]
    psi = lambda u: mp.quad(lambda m: -mp.expm1(-u * g(m)), cuts(u))
    phi2 = lambda u: mp.quad(lambda m: g(m) ** 2 * mp.exp(-u * g(m)), cuts(u))
    # Outer in r = log u: for small a, Psi grows like (log u)^a and the integrand's tail is long in u.
    return mp.quad(lambda r: mp.exp(2 * r) * phi2(mp.exp(r)) * mp.exp(-psi(mp.exp(r))),
                   [-mp.inf, -10, 0, 3, 10, 30, 100, 300, 1000, 3000, 10000])


def mecke_general(a, lam, which):
    """E[sum W_k^2] (which='ipr') or E[H] (which='entropy') of the critical law for any a >= 1, written
    for large a (the m = y^a form above cannot resolve the transition there: it is 1/lam wide in y).
    Straight from THEORY.md section 3 with 1/S^2 = int u e^{-uS} du, 1/S = int e^{-uS} du and Frullani
    log S = int (e^{-u} - e^{-uS}) du/u; E[sum lam Y g / S] by the Mecke formula:
      ipr = int du u (int g^2 e^{-ug} dmu) e^{-Psi(u)},  Psi(u) = int (1 - e^{-ug}) dmu,
      H   = int du/u (e^{-u} - e^{-Psi(u)}) + int du (int lam y g e^{-ug} dmu) e^{-Psi(u)}.
    Variables t = lam y (g = e^{-t}, dmu = lam^{-a} a t^{a-1} dt) and r = log u. At mp.dps >= 20 the
    weight lam^{-a} t^{a-1} is formed plainly in logs (no cancellation to fear); the inner t-integrals
    are split at t = r (where u g = 1, unit width) and around the peak a - 1 of t^{a-1} e^{-t} (width
    sqrt(a)); the outer r-integral at the r where Psi = e^level, from 50 below the first (integrands
    ~ e^r there) to where Psi = 800 (e^{-Psi} negligible). About 0.5 to 2 minutes per value at dps 20
    for lambda <~ 10 a; far slower at large a and lambda >> a (not used there: at a = 511.5,
    lambda = 100 a it ran over 15 minutes without finishing)."""
    a, lam = mp.mpf(a), mp.mpf(lam)
    if a < 1:
        raise ValueError("mecke_general: a >= 1 (the t^{a-1} endpoint singularity is not resolved)")
    log_weight = mp.log(a) - a * mp.log(lam)
    w = lambda t: mp.exp(log_weight + (a - 1) * mp.log(t))  # lam^{-a} a t^{a-1}
    sq = mp.sqrt(a)
    def cuts(r):
        pts = [r - 30, r - 4, r + 4, r + 40] + ([a - 1 + k * sq for k in (-8, 0, 8)] if a > 3 else [])
        return [mp.mpf(0)] + sorted(set(p for p in pts if p > 0)) + [mp.inf]
    def psi(r):  # Psi(e^r)
        u = mp.exp(r)
        return mp.quad(lambda t: -mp.expm1(-u * mp.exp(-t)) * w(t), cuts(r))
    def phi2(r):  # u^2 int g^2 e^{-ug} dmu (one u from du = u dr)
        u = mp.exp(r)
        return mp.quad(lambda t: u * u * mp.exp(-2 * t - u * mp.exp(-t)) * w(t), cuts(r))
    def phiv(r):  # u int (lam y) g e^{-ug} dmu
        u = mp.exp(r)
        return mp.quad(lambda t: u * t * mp.exp(-t - u * mp.exp(-t)) * w(t), cuts(r))
    def r_at(level):  # Psi is increasing in r; the cut points need not be precise
        f = lambda r: mp.log(psi(r)) - level
        lo, hi = mp.mpf(-10), mp.mpf(10)
        while f(lo) > 0:
            lo = 2 * lo - 10
        while f(hi) < 0:
            hi = 2 * hi + 10
        return mp.findroot(f, (lo, hi), solver='anderson', tol=mp.mpf('1e-6'))
    rs = [r_at(level) for level in (-45, -15, -4, 0, 2, 4, mp.log(800))]
    lo, hi = min(mp.mpf(0), rs[0]) - 50, max(mp.mpf(8), rs[-1])
    outer = sorted(set([lo, hi] + [r for r in rs + [mp.mpf(0), mp.mpf(8)] if lo < r < hi]))
    if which == 'ipr':
        return mp.quad(lambda r: phi2(r) * mp.exp(-psi(r)), outer)
    def h(r):
        p = psi(r)
        return mp.exp(-mp.exp(r)) - mp.exp(-p) + phiv(r) * mp.exp(-p)
    return mp.quad(h, outer)


def _gauss_legendre(nodes):
    x, w = np.polynomial.legendre.leggauss(nodes)  # double-precision rule: ~1e-16 relative at best
    return [mp.mpf(float(v)) for v in x], [mp.mpf(float(v)) for v in w]


def _composite(f, edges, rule):
    xs, ws = rule
    total = 0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mid, half = (mp.mpf(lo) + mp.mpf(hi)) / 2, (mp.mpf(hi) - mp.mpf(lo)) / 2
        for x, w in zip(xs, ws):
            total += half * w * f(mid + half * x)
    return total


def nearest_point(a, lam, nodes=20):
    """[E[H], E[1 - sum W^2], E[1 - max W]] of the critical law, taken given the nearest point (the C++
    NearestPoint in theory_critical.cpp derives the formulas; this is an independent evaluation of them).
    Given V_1 = v1 = lam t^{1/a} (t ~ Exp(1)) the other points are Poisson with intensity
    m'(x) = a theta (v1 + x)^{a-1} in the gap x, theta = lam^-a, and with g = e^-x,
      E[H | v1]         = int du e^-u [(1 - e^-Psi)/u + PhiD e^-Psi],
      E[1 - ipr | v1]   = int du u e^-u e^-Psi Phi1 (2 + Phi1),
      E[1 - w_max | v1] = int du e^-u e^-Psi Phi1,
    Psi = int (1 - e^{-ug}) m', Phi1 = int g e^{-ug} m', PhiD = int x g e^{-ug} m'. Here the inner integrals
    are power series in u (entire) with closed-form moments
      M_k = int e^{-kx} m' dx = a theta e^{k v1} k^-a Gamma(a, k v1),
      N_k = int x e^{-kx} m' dx = a theta e^{k v1} k^{-a-1} [(a - k v1) Gamma(a, k v1) + (k v1)^a e^{-k v1}],
    summed at mp.dps >= 50 (the alternating series costs ~e^u of precision, u <= 40; N_k costs log10(k v1));
    the u and log t integrals by composite Gauss-Legendre, u in [0, 40] (e^-40 beyond), tau = log t in
    [-50, log 60] (the integrand ~ t^{2 - 1/a} below: a >= 1 only). Compare nodes = 10 and 20."""
    a, lam = mp.mpf(a), mp.mpf(lam)
    if a < 1:
        raise ValueError("nearest_point: a >= 1 (the tau range assumes the integrand falls like t^{2-1/a})")
    theta = lam ** (-a)
    rule = _gauss_legendre(nodes)
    u_edges = [0, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 14, 19, 25, 32, 40]
    tau_edges = [-50, -35, -25, -18, -12, -8, -5, -3, -2, -1, 0, 1, 2, 3, mp.log(60)]
    kmax = 5 * u_edges[-1] + 60
    factorial = [mp.factorial(k) for k in range(kmax + 2)]
    eps = mp.mpf(10) ** (-mp.mp.dps)

    def given(t):
        v1 = lam * t ** (1 / a)
        M, N = [None], [None]
        for k in range(1, kmax + 1):
            z = k * v1
            upper = mp.gammainc(a, z)  # Gamma(a, z), not regularized
            ez = mp.exp(z)
            M.append(a * theta * ez * mp.power(k, -a) * upper)
            N.append(a * theta * ez * mp.power(k, -a - 1) * ((a - z) * upper + mp.power(z, a) * mp.exp(-z)))

        def laplace(u):  # Psi(u), u Phi1(u), u PhiD(u)
            psi = phi = phid = mp.mpf(0)
            power = mp.mpf(1)
            for k in range(1, kmax + 1):
                power *= -u
                t1 = power * M[k] / factorial[k]
                t3 = power * N[k] / factorial[k - 1]
                psi -= t1
                phi -= t1 * k
                phid -= t3
                if k > 3 * u + 5 and abs(t1 * k) < eps * abs(phi) and abs(t3) < eps * abs(phid):
                    return psi, phi, phid
            raise RuntimeError("nearest_point: series did not converge")

        def integrands(u):
            if u == 0:
                return mp.matrix([M[1] + N[1], 0, M[1]])
            psi, phi, phid = laplace(u)
            keep, eu = mp.exp(-psi), mp.exp(-u)
            return mp.matrix([eu * (-mp.expm1(-psi) + phid * keep) / u, eu * keep * phi * (2 * u + phi) / u,
                              eu * keep * phi / u])
        return _composite(integrands, u_edges, rule)

    result = _composite(lambda tau: mp.exp(tau - mp.exp(tau)) * given(mp.exp(tau)), tau_edges, rule)
    return [result[0], result[1], result[2]]


def main_nearest():
    """Large lambda (test_theory.cpp NearestPointAgainstMpmath), plus lambda = 100 a for a = 1, 7.5, where
    mecke_general (the Frullani form) gives the same to ~1e-16: a check of the nearest-point formulas."""
    mp.mp.dps = 50
    print("# critical law given the nearest point: a, lambda, nodes, E[H], E[1 - ipr], E[1 - w_max]")
    cases = [(a, lam) for a in ('1', '2.5', '63.5') for lam in ('1e4', '1e6', '1e9')] + [('1', '100'), ('7.5', '750')]
    for a, lam in cases:
        for nodes in (10, 20):
            values = nearest_point(a, lam, nodes)
            print(f"{{{a}, {lam}, {nodes}, " + ", ".join(mp.nstr(v, 20) for v in values) + "},", flush=True)


def main():
    print("# c_d (c_d in theory.cpp)")
    for d in (2, 3, 5, 16, 128):
        print(f"c_d({d}) = {mp.nstr(c_d(d), 20)}")
    print(f"log_c_d(4096) = {mp.nstr(mp.log(c_d(4096)), 20)}")

    print("# A_d, bias = 1 - A_d, log_M, tilted_variance (theory_bessel.cpp)")
    for d in (2, 3, 5, 16, 128, 4096):
        for beta in ('1e-6', '0.1', '1', '10', '1e3', '1e6', '1e12'):
            b = mp.mpf(beta)
            A = bessel_ratio(d, b)
            print(f"{{{d}, {beta}, {mp.nstr(A, 20)}, {mp.nstr(1 - A, 20)}, {mp.nstr(log_M(d, b), 20)}, "
                  f"{mp.nstr(tilted_variance(d, b), 20)}}},")
    print("# log M(2b) - 2 log M(b)")
    for d, beta in ((3, '1'), (16, '1e3'), (128, '1e6'), (4096, '1e4')):
        b = mp.mpf(beta)
        print(f"{{{d}, {beta}, {mp.nstr(log_M(d, 2 * b) - 2 * log_M(d, b), 20)}}},")

    print("# distance CDF (theory.cpp)")
    for d, s in ((2, '0.5'), (3, '0.7'), (16, '1.3'), (128, '0.9'), (16, '1e-20'), (3, '2e-300'), (128, '1e-3')):
        print(f"log_cdf({d}, {s}) = {mp.nstr(log_cdf(d, mp.mpf(s)), 20)}")
    print("# quantile from log p")
    for d, log_p in ((3, '-0.5'), (16, '-3'), (2, '-690.7755'), (16, '-690.7755'), (128, '-2000'), (4096, '-1000')):
        s = quantile_from_log(d, mp.mpf(log_p))
        print(f"quantile({d}, {log_p}) = {mp.nstr(s, 20)}   log s = {mp.nstr(mp.log(s), 20)}")

    print("# critical law (theory_critical.cpp)")
    mp.mp.dps = 25
    for lam in (1, '2.5'):
        print(f"ipr(a=1, lambda={lam}) = {mp.nstr(mecke_ipr_a1(lam), 17)}")
        print(f"entropy(a=1, lambda={lam}) = {mp.nstr(mecke_entropy_a1(lam), 17)}")
    mp.mp.dps = 20
    print(f"ipr(a=2.5, lambda=3) = {mp.nstr(mecke_ipr_general('2.5', 3), 15)}")
    mp.mp.dps = 30
    print(f"ipr(a=0.5, lambda=1) = {mp.nstr(mecke_ipr_general('0.5', 1), 15)}")


def main_large():
    """Large local exponents (d = 128, 1024, 4096: a = 63.5, 511.5, 2047.5) around lambda ~ a, where the
    C++ quadrature once stalled; plus entropy deep in the supercritical regime (lambda = 100 a), where
    E[H] is a small difference of O(1) terms. Slow (~20 minutes): run with --large."""
    mp.mp.dps = 20
    print("# critical law, large a (mecke_general, dps 20)")
    cross = mecke_general('2.5', 3, 'ipr')  # cross-check against mecke_ipr_general above
    print(f"ipr(a=2.5, lambda=3) = {mp.nstr(cross, 17)}")
    for a, lam in (('63.5', '63.5'), ('511.5', 400), ('511.5', '511.5'), ('511.5', 700), ('2047.5', 2000),
                   ('2047.5', 3000)):
        for which in ('ipr', 'entropy'):
            print(f"{which}(a={a}, lambda={lam}) = {mp.nstr(mecke_general(a, lam, which), 17)}", flush=True)
    for a, lam in (('1', 100), ('7.5', 750)):
        print(f"entropy(a={a}, lambda={lam}) = {mp.nstr(mecke_general(a, lam, 'entropy'), 17)}", flush=True)


if __name__ == "__main__":
    import sys
    if "--large" in sys.argv[1:]:
        main_large()
    elif "--nearest" in sys.argv[1:]:
        main_nearest()
    else:
        main()
