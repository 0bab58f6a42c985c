-- What a service's health checks found during a reconcile (HEALTHY, DEGRADED; stored by name like the
-- status): after an apply that touched it, or at a drift check whose sample changed its health. NULL: no
-- check ran (the service has none, the reconcile did not touch it, or the row is older than this version).

ALTER TABLE service_outcomes ADD COLUMN health TEXT;
