# Reference quantiles of the realised count R = K + U of sinstats.stats.uncertainty
# (simulate(..., quantity = "realised")), computed exactly, independently of the library.
#
#   K | s ~ Binomial(X, s),  s ~ Beta(a, b)        => K ~ beta-binomial(X, a, b)
#   U | K, p ~ NegBin(size = K, prob = p),  p ~ Beta(alpha, beta)
#                                                   => U | K ~ beta-negative-binomial(K, alpha, beta)
#   P(R = r) = sum_k P(K = k) P(U = r - k | K = k)  (a finite convolution)
#
# Beta-binomial:          P(K = k) = choose(X, k) B(k + a, X - k + b) / B(a, b)
# Beta-negative-binomial: P(U = u | k) = Gamma(k + u) / (u! Gamma(k)) B(alpha + k, beta + u) / B(alpha, beta)
# (U = 0 with probability 1 when k = 0.) Both in base R (lchoose, lbeta, lgamma).
#
# Run from the repository root:  Rscript tests/reference/make_realised_reference.R
# It writes tests/reference/realised_count.csv (the case, the 2.5%, 50% and 97.5% quantiles of
# R, and those of K / E[p], the binomial split alone).

cases <- data.frame(
  case = c("dfe_160", "panel_155", "small_12"),
  X = c(160, 155, 12),
  a = c(30.5, 30.5, 3.5),       # share ~ Beta(a, b)
  b = c(90.5, 90.5, 9.5),
  alpha = c(20, 20, 20),        # ascertainment ~ Beta(alpha, beta)
  beta = c(5, 5, 5)
)

quantile_of <- function(values, probs, p) {
  cdf <- cumsum(probs)
  sapply(p, function(q) values[which(cdf >= q - 1e-12)[1]])
}

rows <- list()
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]
  k <- 0:cs$X
  pk <- exp(lchoose(cs$X, k) + lbeta(k + cs$a, cs$X - k + cs$b) - lbeta(cs$a, cs$b))
  rmax <- 4000
  pr <- numeric(rmax + 1)
  for (j in seq_along(k)) {
    kk <- k[j]
    if (kk == 0) {
      pr[1] <- pr[1] + pk[j]
      next
    }
    u <- 0:(rmax - kk)
    pu <- exp(lgamma(kk + u) - lgamma(u + 1) - lgamma(kk) +
      lbeta(cs$alpha + kk, cs$beta + u) - lbeta(cs$alpha, cs$beta))
    pr[kk + u + 1] <- pr[kk + u + 1] + pk[j] * pu
  }
  r <- 0:rmax
  q <- quantile_of(r, pr, c(0.025, 0.5, 0.975))
  # The binomial split alone: K ~ Binomial(X, E[s]) divided by E[p].
  ks <- dbinom(k, cs$X, cs$a / (cs$a + cs$b))
  qs <- quantile_of(k, ks, c(0.025, 0.5, 0.975)) / (cs$alpha / (cs$alpha + cs$beta))
  rows[[i]] <- data.frame(
    case = cs$case, X = cs$X, a = cs$a, b = cs$b, alpha = cs$alpha, beta = cs$beta,
    mass_covered = sum(pr),
    lower = q[1], median = q[2], upper = q[3],
    split_lower = qs[1], split_median = qs[2], split_upper = qs[3],
    source = "Rscript tests/reference/make_realised_reference.R: exact convolution of beta-binomial and beta-negative-binomial pmfs"
  )
}
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/realised_count.csv", row.names = FALSE)
print(out)
