# Reference values for claims whose denominator is derived from a published change
# (claims file `derive: earlier`): the earlier count is the later count minus the change, and
# the claim's interval is R's exact conditional rate-ratio interval of the two counts.
# Run from the project root:  Rscript tests/reference/make_derived_claims.R
# Writes tests/reference/derived_claims.csv (one row per case; `call` is the R code of each value).
cases <- data.frame(
  id = c("fosterline-h1-total-up-27pc"),
  later = c(285),     # April-September 2020, DfE transparency data
  change = c(60),     # DfE 2020-21 release: first-half rise on the same half a year earlier
  conf_level = c(0.95)
)
rows <- lapply(seq_len(nrow(cases)), function(i) {
  k <- cases[i, ]
  earlier <- k$later - k$change
  t <- poisson.test(c(k$later, earlier), conf.level = k$conf_level)
  data.frame(
    id = k$id, later = k$later, change = k$change, earlier = earlier, conf_level = k$conf_level,
    percent_change = sprintf("%.15g", 100 * (k$later - earlier) / earlier),
    lower_pct = sprintf("%.15g", 100 * (t$conf.int[1] - 1)),
    upper_pct = sprintf("%.15g", 100 * (t$conf.int[2] - 1)),
    p_value = sprintf("%.15g", t$p.value),
    call = sprintf("poisson.test(c(%d, %d), conf.level = %s): 100 * (conf.int - 1), p.value",
                   k$later, earlier, k$conf_level)
  )
})
write.csv(do.call(rbind, rows), "tests/reference/derived_claims.csv", row.names = FALSE)
