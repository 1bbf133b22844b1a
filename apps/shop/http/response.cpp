#include "response.hpp"

#include <boost/beast/http/status.hpp>
#include <ostream>  // Beast's status header uses std::ostream without including it

#include "json_writer.hpp"

namespace shop::http {

Response Response::json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

Response Response::error(int status, std::string_view message) {
  JsonWriter w;
  w.begin_object().key("error").value(message).end_object();
  return json(status, w.take());
}

bool bodiless(int status) { return status < 200 || status == 204 || status == 304; }

void write_head(std::string& out, const Response& response, unsigned version, bool keep_alive,
                std::size_t body_size) {
  const auto status = static_cast<unsigned>(response.status);
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
  out += "\r\nServer: manydb-shop\r\nContent-Type: ";
  out += response.content_type;
  out += "\r\n";
  for (const auto& [name, value] : response.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!bodiless(response.status)) {
    out += "Content-Length: ";
    out += std::to_string(body_size);
    out += "\r\n";
  }
  if (version == 10 && keep_alive) out += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

}  // namespace shop::http
