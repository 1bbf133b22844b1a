#pragma once
// One versioned step of a bind's migrations (docs/migrations.md): SQL text from a file
// `migrations/<bind>/NNNN_name.sql`, or SQL text or a function registered in code.
#include <cstdint>
#include <functional>
#include <string>
#include <variant>

#include "manydb/driver/connection.hpp"

namespace manydb::migrate {

// SQL text (statements split by split_statements) or a function run on the bind's connection,
// inside the step's transaction where the engine has one for DDL.
using StepBody = std::variant<std::string, std::function<void(Connection&)>>;

struct Step {
  std::int64_t version = 0;  // > 0; steps run in version order
  std::string name;
  StepBody up;
  StepBody down = std::string{};  // empty text: the step cannot be undone
  // Empty: for every engine. Else the dialect name (sqlite, postgresql, mariadb) this variant of
  // the step is for; it replaces the generic step of the same version on that engine.
  std::string dialect{};
  // Where the step comes from, for messages: the file, or "code".
  std::string source = "code";
};

// 64-bit FNV-1a of `text`, as 16 lowercase hex digits: the checksum kept for an applied step.
std::string checksum(std::string_view text);
// The checksum of a step's up part: its text, or for a function its version and name (a
// function cannot be read back; an edited function goes unnoticed).
std::string checksum(const Step& step);

}  // namespace manydb::migrate
