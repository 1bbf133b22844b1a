#pragma once
// `revision`: a bind's Revision written as its next step, `<dir>/<bind>/NNNN_<slug>.sql`, for a
// person to review before `migrate up` applies it (docs/migrations.md).
//
//   auto known = manydb::migrate::Migrations::from_directory("migrations");
//   auto written = manydb::migrate::write_revision(db, known, {.bind = "orders",
//                                                   .message = "add index on created_at"});
//   if (written.path.empty()) { /* the bind matches its models */ }
#include <filesystem>
#include <string>
#include <string_view>

#include "manydb/database/database.hpp"
#include "manydb/migrate/migrations.hpp"
#include "manydb/migrate/revision.hpp"

namespace manydb::migrate {

// The message as a file name's part: lowercase letters, digits and `_` (a run of anything else
// becomes one `_`), at most 40 characters. ConfigError when no letter or digit is left.
std::string slug(std::string_view message);

struct RevisionRequest {
  std::string bind = "default";
  std::string tenant{};  // a tenant bind: compared with this tenant's database
  std::string message;
  std::filesystem::path dir = "migrations";
};

// The file's text: a header (generated, from which message, when, for which engine), then the
// `-- migrate:up` part (notes as `-- TODO (review):` comments, then the statements) and the
// `-- migrate:down` part.
std::string step_file_text(const Revision& revision, const RevisionRequest& request,
                           std::string_view dialect, std::string_view generated_at);

struct WrittenRevision {
  std::filesystem::path path;  // empty: the bind matches its models, nothing was written
  Revision revision;
};

// Compares the bind's live schema (a tenant bind's in request.tenant's database) with its
// models and, when they differ, writes the step after the highest version `known` has for the
// bind (`known`: the steps of request.dir, and those registered in code). ConfigError for a
// bind without models, a tenant bind without a tenant or a shared bind with one.
WrittenRevision write_revision(Database& db, const Migrations& known,
                               const RevisionRequest& request);

}  // namespace manydb::migrate
