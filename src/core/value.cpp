#include "manydb/core/value.hpp"

#include <cstdio>
#include <functional>

#include "manydb/core/errors.hpp"

namespace manydb {

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::null: return "null";
    case ValueType::boolean: return "bool";
    case ValueType::int64: return "int64";
    case ValueType::real: return "double";
    case ValueType::text: return "text";
    case ValueType::blob: return "blob";
    case ValueType::timestamp: return "timestamp";
  }
  return "?";
}

namespace {
template <class T>
const T& held(const Value::Storage& v, ValueType wanted) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  throw DataError("value holds " + std::string(to_string(static_cast<ValueType>(v.index()))) +
                  "; it cannot be read as " + std::string(to_string(wanted)));
}
}  // namespace

bool Value::as_bool() const { return held<bool>(v_, ValueType::boolean); }
std::int64_t Value::as_int64() const { return held<std::int64_t>(v_, ValueType::int64); }
double Value::as_double() const {
  if (const auto* i = std::get_if<std::int64_t>(&v_)) return static_cast<double>(*i);
  return held<double>(v_, ValueType::real);
}
const std::string& Value::as_text() const { return held<std::string>(v_, ValueType::text); }
const Blob& Value::as_blob() const { return held<Blob>(v_, ValueType::blob); }
Timestamp Value::as_timestamp() const { return held<Timestamp>(v_, ValueType::timestamp); }

std::string Value::to_display() const {
  switch (type()) {
    case ValueType::null: return "NULL";
    case ValueType::boolean: return as_bool() ? "true" : "false";
    case ValueType::int64: return std::to_string(as_int64());
    case ValueType::real: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<double>(v_));
      return buf;
    }
    case ValueType::text: return as_text();
    case ValueType::blob: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string out = "\\x";
      for (std::byte b : as_blob()) {
        out.push_back(kHex[std::to_integer<unsigned>(b) >> 4]);
        out.push_back(kHex[std::to_integer<unsigned>(b) & 15]);
      }
      return out;
    }
    case ValueType::timestamp: return as_timestamp().to_string();
  }
  return {};
}

Blob to_blob(std::string_view bytes) {
  Blob out(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = static_cast<std::byte>(bytes[i]);
  return out;
}

std::size_t hash_value(const Value& v) {
  switch (v.type()) {
    case ValueType::int64: return std::hash<std::int64_t>{}(v.as_int64());
    case ValueType::text: return std::hash<std::string>{}(v.as_text());
    default: return std::hash<std::string>{}(v.to_display());
  }
}

}  // namespace manydb
