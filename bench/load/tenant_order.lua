-- wrk -s bench/load/tenant_order.lua URL -- USERS ORDERS PRODUCTS "" TENANTS: GET /orders/{id}
-- with X-Tenant, tenants and ids uniform over t0000 .. t<TENANTS-1> and each one's orders.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local M = dofile(here .. "common.lua")
M.make = M.tenant_order
