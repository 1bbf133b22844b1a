#pragma once
// The text of a migration file: its `-- migrate:up` / `-- migrate:down` parts and their
// statements.
#include <string>
#include <string_view>
#include <vector>

namespace manydb::migrate {

// The statements of `sql`: a statement ends at a `;` that is the last thing on its line (only
// blanks or a `--` comment after it), outside quotes ('', "", ``), comments and dollar-quoted
// bodies ($$ ... $$, $tag$ ... $tag$). So a `;` inside a line, as in a trigger body written on
// one line, does not end a statement. Statements that are only blanks and comments are dropped.
std::vector<std::string> split_statements(std::string_view sql);

struct StepText {
  std::string up;
  std::string down;
};
// The parts of a migration file: the text after a line `-- migrate:up` up to a line
// `-- migrate:down`, and after that to the end. ConfigError naming `source` when there is no
// up part, or a part appears twice.
StepText parse_step_file(std::string_view text, std::string_view source);

}  // namespace manydb::migrate
