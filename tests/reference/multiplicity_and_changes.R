# Reference values for sinstats.stats.multiplicity and sinstats.stats.changes
# (tests/unit/stats/test_multiplicity.py, tests/unit/stats/test_changes.py).
#
# Computed with base R, independently of sinstats: stats::p.adjust (methods "holm" and "BH") and,
# for the overdispersion-aware comparison of two counts, the phi-scaled Wald test written out
# with qt/pt, beside stats::poisson.test (the exact conditional test). Run from the repository
# root:
#
#     Rscript tests/reference/multiplicity_and_changes.R
#
# which writes tests/reference/p_adjust.csv, overdispersed_change.csv and verify_family.csv, each
# value with the R call that gave it. The library must match to 1e-6.

families <- list(
  c(0.01, 0.04, 0.03, 0.005, 0.2),
  c(0.046, 0.36, 0.0012, 0.7, 0.049, 0.049, 1),
  c(0.5),
  c(0, 1, 0.02, 0.02, 0.8, 1e-8),
  c(0.012, NA, 0.3, 0.04),
  c(0.051, 0.049, 0.0499, 0.2, 0.6, 0.9, 0.011, 0.0001, 0.3, 0.33, 0.08)
)
rows <- list()
for (i in seq_along(families)) {
  p <- families[[i]]
  for (m in c("holm", "BH")) {
    adj <- p.adjust(p, method = m)
    for (j in seq_along(p)) {
      rows[[length(rows) + 1]] <- data.frame(
        family = i, position = j, method = tolower(m),
        raw = ifelse(is.na(p[j]), "NA", formatC(p[j], digits = 15, format = "g")),
        adjusted = ifelse(is.na(adj[j]), "NA", formatC(adj[j], digits = 15, format = "g")),
        call = sprintf("p.adjust(c(%s), method = '%s')[%d]",
                       paste(ifelse(is.na(p), "NA", format(p, digits = 15)), collapse = ", "), m, j))
    }
  }
}
write.csv(do.call(rbind, rows), "tests/reference/p_adjust.csv", row.names = FALSE)

# phi: the Pearson dispersion of the segmented quasi-Poisson model of the national totals, and
# its residual df (tests/reference/segmented_trends.csv, segmented_quasipoisson); populations:
# ONS mid-2019, mid-2020 and mid-2024 estimates of children aged 0 to 17 (population_0_17.csv).
phi <- 4.43873146689957
cases <- data.frame(
  x1 = c(211, 536, 357, 385, 119, 1, 3, 40, 211),
  x2 = c(171, 449, 338, 298, 89, 5, 1, 30, 171),
  t1 = c(1, 11787794, 12183016, 1, 1, 1, 1, 2.5, 1),
  t2 = c(1, 11790492, 12183016, 1, 1, 1, 1, 1.5, 1),
  phi = c(phi, phi, phi, phi, phi, 1, 1, 0.6, phi),
  df = c(8, 8, 8, 8, 8, 8, 8, Inf, Inf)
)
out <- list()
for (k in seq_len(nrow(cases))) {
  c <- cases[k, ]
  ph <- max(c$phi, 1)
  lr <- log(c$x1 / c$t1) - log(c$x2 / c$t2)
  se <- sqrt(ph * (1 / c$x1 + 1 / c$x2))
  q <- if (is.infinite(c$df)) qnorm(0.975) else qt(0.975, c$df)
  p <- if (is.infinite(c$df)) 2 * pnorm(-abs(lr / se)) else 2 * pt(-abs(lr / se), c$df)
  ex <- poisson.test(c(c$x1, c$x2), c(c$t1, c$t2))
  w <- c(exp(lr), exp(lr - q * se), exp(lr + q * se), p)
  e <- c(unname(ex$estimate), ex$conf.int[1], ex$conf.int[2], ex$p.value)
  wald_call <- sprintf(
    "lr = log(%g/%.10g) - log(%g/%.10g); se = sqrt(max(%.15g, 1) * (1/%g + 1/%g)); %s",
    c$x1, c$t1, c$x2, c$t2, c$phi, c$x1, c$x2,
    if (is.infinite(c$df)) "exp(lr +- qnorm(0.975) se), 2 pnorm(-|lr/se|)"
    else sprintf("exp(lr +- qt(0.975, %g) se), 2 pt(-|lr/se|, %g)", c$df, c$df))
  exact_call <- sprintf("poisson.test(c(%g, %g), c(%.10g, %.10g))", c$x1, c$x2, c$t1, c$t2)
  out[[k]] <- data.frame(
    case = k, x1 = c$x1, x2 = c$x2, t1 = format(c$t1, digits = 10), t2 = format(c$t2, digits = 10),
    phi = formatC(c$phi, digits = 15, format = "g"), df = c$df,
    wald_estimate = formatC(w[1], digits = 15, format = "g"),
    wald_lower = formatC(w[2], digits = 15, format = "g"),
    wald_upper = formatC(w[3], digits = 15, format = "g"),
    wald_p = formatC(w[4], digits = 15, format = "g"),
    exact_lower = formatC(e[2], digits = 15, format = "g"),
    exact_upper = formatC(e[3], digits = 15, format = "g"),
    exact_p = formatC(e[4], digits = 15, format = "g"),
    # The reported result: the union of the two intervals and the larger p-value.
    lower = formatC(min(w[2], e[2]), digits = 15, format = "g"),
    upper = formatC(max(w[3], e[3]), digits = 15, format = "g"),
    p = formatC(max(w[4], e[4]), digits = 15, format = "g"),
    wald_call = wald_call, exact_call = exact_call,
    combined_call = "min(wald lower, exact lower), max(wald upper, exact upper), max(wald p, exact p)")
}
write.csv(do.call(rbind, out), "tests/reference/overdispersed_change.csv", row.names = FALSE)
cat("wrote tests/reference/p_adjust.csv and tests/reference/overdispersed_change.csv\n")

# The change claims of the project's register that `sinstats verify` tests together (the claim
# comparing 2014-15 with 2020-21 crosses the 2018-19 step and is not tested): each claim's p-value
# recomputed here -- the phi-scaled Wald test (the larger of it and poisson.test) for national
# counts of Ofsted's and DfE's collection, poisson.test alone for the Panel's counts and the
# serious case reviews -- then adjusted together with p.adjust. Written to
# tests/reference/verify_family.csv.
register <- data.frame(
  id = c("panel-2021-fall-21pc", "dfe-2020-21-up-87", "dfe-2024-down-93-since-2019",
         "dfe-2024-down-51", "ofsted-2015-16-fall-2pc",
         "ofsted-2015-16-child-deaths-fall-10pc", "ofsted-2016-17-rise-14pc",
         "ofsted-2016-17-child-deaths-rise-23pc", "swt-2019-20-fall-49",
         "fosterline-h1-total-up-27pc", "fosterline-h1-child-deaths-rise",
         "fosterline-h1-serious-harm-rise", "commcare-2013-14-scr-rise-54pc"),
  # 2023-24 (405) against 2018-19 (498) and 2022-23 (456); the Fosterline total: 285 for April to
  # September 2020 against 225 = 285 - 60 (the first-half rise DfE's 2020-21 release gives).
  x1 = c(379, 536, 405, 405, 379, 171, 433, 211, 449, 285, 119, 153, 143),
  x2 = c(482, 449, 498, 456, 385, 190, 379, 171, 498, 225, 89, 132, 93),
  scatter = c(FALSE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, TRUE, FALSE)
)
used <- sapply(seq_len(nrow(register)), function(k) {
  r <- register[k, ]
  exact <- poisson.test(c(r$x1, r$x2))$p.value
  if (!r$scatter) return(exact)
  lr <- log(r$x1 / r$x2); se <- sqrt(phi * (1 / r$x1 + 1 / r$x2))
  max(2 * pt(-abs(lr / se), 8), exact)
})
family <- data.frame(
  id = register$id,
  used = formatC(used, digits = 15, format = "g"),
  holm = formatC(p.adjust(used, "holm"), digits = 15, format = "g"),
  bh = formatC(p.adjust(used, "BH"), digits = 15, format = "g"),
  call = ifelse(register$scatter,
                "max(2 pt(-|log(x1/x2)| / sqrt(phi (1/x1 + 1/x2)), 8), poisson.test(c(x1, x2))$p.value); p.adjust(used, 'holm' | 'BH')",
                "poisson.test(c(x1, x2))$p.value; p.adjust(used, 'holm' | 'BH')")
)
write.csv(family, "tests/reference/verify_family.csv", row.names = FALSE)
cat("wrote tests/reference/verify_family.csv\n")
