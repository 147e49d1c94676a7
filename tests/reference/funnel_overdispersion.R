# Reference values for sinstats.stats.funnel's overdispersion check and multiplicative limits
# (tests/unit/stats/test_funnel_overdispersion.py).
#
# Computed in base R from the shipped CSV files, independently of sinstats: the regional counts
# of 2024-25 and 2025-26 (rounded to 10 by DfE), the ONS mid-2024 estimates of children aged 0
# to 17 by region, and England's rate per 100,000 as the (external) target. Spiegelhalter's
# check (QSHC 2005): z = 2 (sqrt(O) - sqrt(E)), winsorised at the 10th and 90th percentiles
# (quantile type 7), phi = mean(z_w^2), n phi against chi-square on n df for an external target
# (n - 1 for a target pooled from the units); tau2 by the moment estimator. Run from the root:
#
#     Rscript tests/reference/funnel_overdispersion.R
#
# which writes tests/reference/funnel_overdispersion.csv (the call beside each value).

chars <- read.csv("data/published/characteristics.csv", colClasses = "character")
nat <- read.csv("data/published/sin_national.csv", colClasses = "character")
pop <- read.csv("data/published/population_0_17.csv", colClasses = "character")
out <- data.frame(year = character(), case = character(), quantity = character(),
                  value = character(), call = character(), stringsAsFactors = FALSE)
put <- function(year, case, quantity, value, call) {
  out[nrow(out) + 1, ] <<- list(year, case, quantity, formatC(value, digits = 15, format = "g"), call)
}
for (ry in c("2025", "2026")) {
  reg <- chars[chars$geographic_level == "Regional" & chars$time_period == ry &
               chars$measure == "number_notifications" & chars$breakdown_topic == "Total", ]
  o <- as.numeric(reg$value)
  p24 <- pop[pop$time_period == "2024" & pop$geographic_level == "Regional", ]
  popn <- as.numeric(p24$value[match(reg$region_name, p24$region_name)])
  total <- as.numeric(nat$value[nat$time_period == ry & nat$nature_of_notification == "Total"])
  england <- as.numeric(pop$value[pop$time_period == "2024" & pop$geographic_level == "National"])
  target <- total / england * 1e5
  e <- target * popn / 1e5
  n <- length(o)
  z <- 2 * (sqrt(o) - sqrt(e))
  q <- quantile(z, c(0.1, 0.9), type = 7)
  zw <- pmin(pmax(z, q[1]), q[2])
  phi <- mean(zw^2)
  w <- 4 * e
  year <- sprintf("%d-%02d", as.integer(ry) - 1L, as.integer(ry) %% 100L)
  put(year, "external", "phi", phi, "mean(pmin(pmax(z, q10), q90)^2), z = 2 (sqrt(O) - sqrt(E)), q = quantile(z, c(.1, .9), type = 7)")
  put(year, "external", "df", n, "n (target given from outside: England's rate)")
  put(year, "external", "p_value", pchisq(n * phi, n, lower.tail = FALSE), "pchisq(n * phi, n, lower.tail = FALSE)")
  put(year, "external", "tau2", max(0, (n * phi - n) / sum(w)), "max(0, (n * phi - n) / sum(4 E))")
  put(year, "pooled", "df", n - 1, "n - 1 (target pooled from the units)")
  put(year, "pooled", "p_value", pchisq(n * phi, n - 1, lower.tail = FALSE), "pchisq(n * phi, n - 1, lower.tail = FALSE) with the same E")
  put(year, "pooled", "tau2", max(0, (n * phi - (n - 1)) / (sum(w) - sum(w^2) / sum(w))),
      "max(0, (n * phi - (n - 1)) / (sum(w) - sum(w^2) / sum(w))), w = 4 E")
  for (i in seq_len(n)) {
    for (lev in c(0.95, 0.998)) {
      zq <- qnorm(0.5 + lev / 2)
      half <- zq * sqrt(max(phi, 1)) / (2 * sqrt(e[i]))
      put(year, reg$region_name[i], sprintf("multiplicative_lower_%g", lev), e[i] * max(1 - half, 0)^2,
          sprintf("E (1 - qnorm(%g) sqrt(phi) / (2 sqrt(E)))^2", 0.5 + lev / 2))
      put(year, reg$region_name[i], sprintf("multiplicative_upper_%g", lev), e[i] * (1 + half)^2,
          sprintf("E (1 + qnorm(%g) sqrt(phi) / (2 sqrt(E)))^2", 0.5 + lev / 2))
    }
  }
}
write.csv(out, "tests/reference/funnel_overdispersion.csv", row.names = FALSE)
cat("wrote", nrow(out), "values to tests/reference/funnel_overdispersion.csv\n")
