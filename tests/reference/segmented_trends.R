# Reference values for sinstats.stats.segmented (tests/unit/stats/test_segmented.py).
#
# Computed with R's own GLM code, independently of sinstats: stats::glm (poisson, quasipoisson)
# and MASS::glm.nb, read straight from the shipped CSV files. Run from the repository root:
#
#     Rscript tests/reference/segmented_trends.R
#
# which writes tests/reference/segmented_trends.csv: one row per value, with the R expression
# that gave it in the `call` column. The library must match every value to 1e-6 (theta to 1e-3).
#
# The data: national totals of serious incident notifications, April-March years 2014-15 to
# 2025-26 (2017-18 is not held and is left out, never filled); population = ONS mid-Y estimate of
# children aged 0 to 17 for the year starting in April of Y, the latest earlier estimate when
# mid-Y is not published (2025-26 on mid-2024: carried forward). t = years since 2014-15;
# dfe = 1 from 2018-19 (the move to DfE's collection); pandemic = 1 in 2020-21 (and, for the
# second sensitivity, in 2021-22).
#
# The GLM fits are converged tightly (epsilon 1e-14) so that the stored values are the maxima, not
# R's default stopping point (epsilon 1e-8 leaves the dispersion off in its fifth digit).

suppressMessages(library(MASS))

nat <- read.csv("data/published/sin_national.csv", colClasses = "character")
pop <- read.csv("data/published/population_0_17.csv", colClasses = "character")
tot <- nat[nat$nature_of_notification == "Total" & nat$time_identifier == "Financial year" |
           nat$nature_of_notification == "Total" & nat$time_identifier == "Reporting year", ]
# Financial year codes 201415 -> start year 2014; reporting year 2026 -> start year 2025.
start <- ifelse(tot$time_identifier == "Financial year",
                as.integer(substr(tot$time_period, 1, 4)),
                as.integer(tot$time_period) - 1L)
d <- data.frame(start = start, count = as.numeric(tot$value))
d <- d[d$start >= 2014, ]
d <- d[order(d$start), ]
england <- pop[pop$geographic_level == "National", ]
mid <- as.integer(england$time_period)
d$mid_year <- sapply(d$start, function(y) max(mid[mid <= y]))
d$pop <- sapply(d$mid_year, function(m) as.numeric(england$value[mid == m]))
d$t <- d$start - 2014
d$dfe <- as.numeric(d$start >= 2018)
d$pandemic <- as.numeric(d$start == 2020)
d$pandemic2 <- as.numeric(d$start %in% c(2020, 2021))
stopifnot(nrow(d) == 11, !any(d$start == 2017), d$mid_year[d$start == 2025] == 2024)
# DfE's years alone, with time counted from their first year (as sinstats counts time from the
# first period fitted; only the intercept depends on it).
d_dfe <- d[d$dfe == 1, ]
d_dfe$t <- d_dfe$t - min(d_dfe$t)

tight <- glm.control(epsilon = 1e-14, maxit = 200)
# glm.nb alternates IRLS and theta; at 1e-14 its deviance change drowns in rounding, so its fits
# stop at 1e-11 (theta then agrees with the exact maximum to about 1e-6 relative).
tight_nb <- glm.control(epsilon = 1e-11, maxit = 200)
out <- data.frame(model = character(), quantity = character(), value = character(),
                  call = character(), stringsAsFactors = FALSE)
put <- function(model, quantity, value, call) {
  out[nrow(out) + 1, ] <<- list(model, quantity, formatC(value, digits = 15, format = "g"), call)
}

wald <- function(model, fit, term, dist, call) {
  s <- summary(fit)$coefficients
  est <- s[term, 1]; se <- s[term, 2]
  q <- if (dist == "t") qt(0.975, fit$df.residual) else qnorm(0.975)
  p <- if (dist == "t") 2 * pt(-abs(est / se), fit$df.residual) else 2 * pnorm(-abs(est / se))
  put(model, paste0(term, ".coef"), est, sprintf("summary(%s)$coefficients['%s', 1]", call, term))
  put(model, paste0(term, ".se"), se, sprintf("summary(%s)$coefficients['%s', 2]", call, term))
  put(model, paste0(term, ".rate_ratio"), exp(est), sprintf("exp(coef(%s)['%s'])", call, term))
  put(model, paste0(term, ".lower"), exp(est - q * se),
      sprintf("exp(coef - %s * se) for '%s' of %s", if (dist == "t") "qt(0.975, df.residual)" else "qnorm(0.975)", term, call))
  put(model, paste0(term, ".upper"), exp(est + q * se),
      sprintf("exp(coef + %s * se) for '%s' of %s", if (dist == "t") "qt(0.975, df.residual)" else "qnorm(0.975)", term, call))
  put(model, paste0(term, ".p"), p,
      sprintf("2 * %s for '%s' of %s", if (dist == "t") "pt(-|coef/se|, df.residual)" else "pnorm(-|coef/se|)", term, call))
}

fits <- list(
  list("segmented_quasipoisson", "t", quote(glm(count ~ t + dfe + offset(log(pop)), family = quasipoisson, data = d, control = tight)), c("t", "dfe")),
  list("segmented_poisson", "z", quote(glm(count ~ t + dfe + offset(log(pop)), family = poisson, data = d, control = tight)), c("t", "dfe")),
  list("segmented_negbin", "z", quote(glm.nb(count ~ t + dfe + offset(log(pop)), data = d, control = tight_nb)), c("t", "dfe")),
  list("dfe_only_quasipoisson", "t", quote(glm(count ~ t + offset(log(pop)), family = quasipoisson, data = d_dfe, control = tight)), c("t")),
  list("pandemic_quasipoisson", "t", quote(glm(count ~ t + dfe + pandemic + offset(log(pop)), family = quasipoisson, data = d, control = tight)), c("t", "dfe", "pandemic")),
  list("pandemic2_quasipoisson", "t", quote(glm(count ~ t + dfe + pandemic2 + offset(log(pop)), family = quasipoisson, data = d, control = tight)), c("t", "dfe", "pandemic2")),
  list("single_slope_quasipoisson", "t", quote(glm(count ~ t + offset(log(pop)), family = quasipoisson, data = d, control = tight)), c("t"))
)
for (f in fits) {
  model <- f[[1]]; dist <- f[[2]]; call <- deparse(f[[3]], width.cutoff = 500L)
  fit <- eval(f[[3]])
  put(model, "intercept", coef(fit)[["(Intercept)"]], sprintf("coef(%s)['(Intercept)']", call))
  for (term in f[[4]]) wald(model, fit, term, dist, call)
  put(model, "df_resid", fit$df.residual, sprintf("%s$df.residual", call))
  put(model, "dispersion", sum(residuals(fit, type = "pearson")^2) / fit$df.residual,
      sprintf("sum(residuals(%s, type = 'pearson')^2) / df.residual", call))
  put(model, "deviance", deviance(fit), sprintf("deviance(%s)", call))
  if (inherits(fit, "negbin")) {
    put(model, "theta", fit$theta, sprintf("%s$theta", call))
    put(model, "aic", AIC(fit), sprintf("AIC(%s)", call))
  }
}
write.csv(out, "tests/reference/segmented_trends.csv", row.names = FALSE)
cat("wrote", nrow(out), "values to tests/reference/segmented_trends.csv\n")
