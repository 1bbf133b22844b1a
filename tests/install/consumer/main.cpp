// A program built out of the tree against an installed manydb (tests/install): a model,
// create_all, two rows added and read back, on a SQLite file in the directory it is given.
#include <manydb/manydb.hpp>

#include <cstdio>
#include <filesystem>
#include <string>

namespace s = manydb::schema;

struct Note {
  std::int64_t id = 0;
  std::string text;
  static constexpr auto mapping() {
    return s::table("note", s::column("id", &Note::id, s::primary_key),
                    s::column("text", &Note::text, s::varchar(80)));
  }
};

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIRECTORY\n", argv[0]);
    return 2;
  }
  const auto file = std::filesystem::absolute(argv[1]) / "consumer.db";
  manydb::DatabaseConfig config;
  config.set_default("sqlite:///" + file.string());
  manydb::Database db(config);
  db.register_models<Note>();
  db.create_all();
  {
    auto session = db.session();
    session.add(Note{.text = "first"});
    session.add(Note{.text = "second"});
    session.commit();
  }
  auto session = db.session();
  for (const Note& note : session.query<Note>().order_by(manydb::asc(&Note::id)).all()) {
    std::printf("note %lld %s\n", static_cast<long long>(note.id), note.text.c_str());
  }
  std::printf("manydb %s\n", manydb::version());
}
