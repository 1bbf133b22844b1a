-- Shared by the bench/load wrk scripts (each does dofile() on this file, found next to it).
-- Script arguments (after wrk's `--`): USERS ORDERS PRODUCTS, the seeded counts (defaults:
-- shop seed's 1000 users, 5000 orders, 1000 products). Ids are drawn uniformly over them.
-- A fourth, TOKEN, is sent as the X-Consistency-Token header of every GET (the read replicas'
-- benchmark, issue 21; "" for none). A fifth, TENANTS, spreads the tenant scripts' requests
-- uniformly over tenants t0000 .. t<TENANTS-1> (X-Tenant, issue 22).
-- done() prints one JSON line prefixed with "BENCH_LOAD_JSON " for scripts/bench-load.
--
-- A script sets M.make to a function that builds one request. init() builds M.count of them
-- before the run starts, and request() hands them out in turn: building each request in Lua
-- as it is sent (string.format, wrk.format) cost wrk about 3 of its 26 µs per POST /orders,
-- on the two cores it shares with the server it measures.
local M = {}
M.count = 50000
M.users, M.orders, M.products = 1000, 5000, 1000

local threads, counter = {}, 0
local prepared, next_request = {}, 0
function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

function init(args)
  M.users = tonumber(args[1]) or M.users
  M.orders = tonumber(args[2]) or M.orders
  M.products = tonumber(args[3]) or M.products
  if args[4] and args[4] ~= "" then M.read_headers = {["X-Consistency-Token"] = args[4]} end
  M.tenants = tonumber(args[5]) or 1
  -- Every thread has its own Lua state with the same default seed: give each its own.
  math.randomseed(os.time() * 100 + (thread_id or 0))
  for i = 1, M.count do prepared[i] = M.make() end
end

function request()
  next_request = next_request % M.count + 1
  return prepared[next_request]
end

local json_headers = {["Content-Type"] = "application/json"}

function M.products_list() return wrk.format("GET", "/products", M.read_headers) end
function M.user_orders()
  return wrk.format("GET", "/users/" .. math.random(M.users) .. "/orders", M.read_headers)
end
function M.order() return wrk.format("GET", "/orders/" .. math.random(M.orders), M.read_headers) end
function M.tenant_order()
  local headers = {["X-Tenant"] = string.format("t%04d", math.random(M.tenants) - 1)}
  return wrk.format("GET", "/orders/" .. math.random(M.orders), headers)
end
function M.product() return wrk.format("GET", "/products/" .. math.random(M.products), M.read_headers) end
function M.new_review()
  local body = string.format('{"user_id": %d, "rating": %d, "comment": "bench"}',
                             math.random(M.users), math.random(5))
  return wrk.format("POST", "/products/" .. math.random(M.products) .. "/reviews", json_headers,
                    body)
end
function M.new_order()
  local body = string.format('{"user_id": %d, "items": [{"product_id": %d, "quantity": 1}]}',
                             math.random(M.users), math.random(M.products))
  return wrk.format("POST", "/orders", json_headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_LOAD_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "rps": %.3f, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, ' ..
    '"non_2xx": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, e.status, e.connect, e.read, e.write, e.timeout))
end

return M
