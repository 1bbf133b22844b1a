-- wrk -s bench/load/analytics.lua: GET /analytics/pages, which reads the analytics bind only
-- (scripts/bench-load's stall run, issue 25).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = function() return wrk.format("GET", "/analytics/pages") end
