#pragma once
// How an engine names positions in its replication stream, for read replicas (routing/): where
// a commit left the primary, where a replica has replayed to, and how two positions compare.
// Positions are the engine's own text (PostgreSQL's LSN "0/30242E0", MariaDB's GTID list
// "0-1-7"), so a consistency token can carry them across processes as they are.
#include <string>
#include <string_view>

namespace manydb {

class Replication {
 public:
  virtual ~Replication() = default;

  // Run on the connection that just committed, after COMMIT returned: one row, one text column,
  // a position at or after that commit ('' when the commit wrote nothing to the log).
  virtual std::string_view committed_position_query() const = 0;
  // Run on a primary: one row, one text column, its newest position.
  virtual std::string_view current_position_query() const = 0;
  // Run on a replica: one row of two columns: 1 while it replicates (0 once it was promoted to
  // a primary), and the position it has replayed, as text.
  virtual std::string_view replica_status_query() const = 0;

  // Whether `position` is a well-formed position of this engine ('' is not).
  virtual bool valid(std::string_view position) const = 0;
  // Whether a server that has replayed `replayed` has everything up to `wanted`. Both valid.
  virtual bool reached(std::string_view replayed, std::string_view wanted) const = 0;
  // The position that includes both (two tokens merged). Both valid.
  virtual std::string later(std::string_view a, std::string_view b) const = 0;
};

}  // namespace manydb
