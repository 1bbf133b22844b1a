"""The shop's benchmarked routes, written the way the seed tutorial writes them: Flask +
Flask-SQLAlchemy binds. The Python reference for bench/load (scripts/bench-load).

It maps the tables that the C++ shop created and seeded (`shop seed`); it never creates any.
URLs are the shop's: DATABASE_URL and MANYDB_BIND_<NAME> from the environment, else the
[database] section of SHOP_CONFIG (default config/shop.toml). Relative SQLite paths are taken
from the working directory, like the shop does.

    /usr/bin/gunicorn -w 2 -b 127.0.0.1:8000 --pythonpath bench/reference app:app

Session and engine settings are Flask-SQLAlchemy's defaults, with one switch:
REFERENCE_SQLITE_POOL=queue pools SQLite connections (SQLAlchemy 1.4 opens a new one per
checkout for SQLite files: NullPool).
"""
import os
import pathlib
import tomllib
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import HTTPException

BINDS = ("users", "orders", "reviews", "analytics")


def sqlalchemy_url(url):
    """A manydb URL as SQLAlchemy spells it."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):].split("?", 1)[0]
        if path != ":memory:":
            path = os.path.abspath(path)  # sqlite:////abs/path
        return "sqlite:///" + path
    scheme, netloc, path, query, frag = urlsplit(url)
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+psycopg2"
    elif scheme in ("mariadb", "mysql"):
        scheme = "mysql+pymysql"
        query = urlencode(parse_qsl(query) + [("charset", "utf8mb4")])
    return urlunsplit((scheme, netloc, path, query, frag))


def configured_urls():
    config = os.environ.get("SHOP_CONFIG")
    if not config:
        config = pathlib.Path(__file__).resolve().parents[2] / "config" / "shop.toml"
    with open(config, "rb") as f:
        database = tomllib.load(f)["database"]
    urls = {None: database["url"]}
    urls.update({name: bind["url"] for name, bind in database.get("binds", {}).items()})
    urls[None] = os.environ.get("DATABASE_URL", urls[None])
    for name in BINDS:
        urls[name] = os.environ.get("MANYDB_BIND_" + name.upper(), urls.get(name))
    return urls


def bind_config(url):
    url = sqlalchemy_url(url)
    if url.startswith("sqlite") and os.environ.get("REFERENCE_SQLITE_POOL") == "queue":
        from sqlalchemy.pool import QueuePool
        return {"url": url, "poolclass": QueuePool}
    return url


urls = configured_urls()
app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = bind_config(urls[None])
app.config["SQLALCHEMY_BINDS"] = {name: bind_config(urls[name]) for name in BINDS}
if isinstance(app.config["SQLALCHEMY_DATABASE_URI"], dict):  # the default bind takes options
    options = app.config.pop("SQLALCHEMY_DATABASE_URI")
    app.config["SQLALCHEMY_DATABASE_URI"] = options.pop("url")
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
db = SQLAlchemy(app)


class Product(db.Model):
    __tablename__ = "product"
    id = db.Column(db.BigInteger, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    price = db.Column(db.Float, nullable=False)
    stock = db.Column(db.BigInteger, nullable=False)
    category = db.Column(db.String(50), nullable=False)


class User(db.Model):
    __tablename__ = "user"
    __bind_key__ = "users"
    id = db.Column(db.BigInteger, primary_key=True)
    username = db.Column(db.String(80), unique=True, nullable=False)
    email = db.Column(db.String(120), unique=True, nullable=False)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)


class Order(db.Model):
    __tablename__ = "order"
    __bind_key__ = "orders"
    id = db.Column(db.BigInteger, primary_key=True)
    user_id = db.Column(db.BigInteger, nullable=False)
    total_amount = db.Column(db.Float, nullable=False)
    status = db.Column(db.String(20), nullable=False, default="pending")
    created_at = db.Column(db.DateTime, default=datetime.utcnow)


class OrderItem(db.Model):
    __tablename__ = "order_item"
    __bind_key__ = "orders"
    id = db.Column(db.BigInteger, primary_key=True)
    order_id = db.Column(db.BigInteger, nullable=False)
    product_id = db.Column(db.BigInteger, nullable=False)
    quantity = db.Column(db.BigInteger, nullable=False)
    price = db.Column(db.Float, nullable=False)


class PageView(db.Model):
    __tablename__ = "page_view"
    __bind_key__ = "analytics"
    id = db.Column(db.BigInteger, primary_key=True)
    page = db.Column(db.String(200), nullable=False)
    user_id = db.Column(db.BigInteger, nullable=True)
    timestamp = db.Column(db.DateTime, default=datetime.utcnow)
    ip_address = db.Column(db.String(50), nullable=True)


class Review(db.Model):
    __tablename__ = "review"
    __bind_key__ = "reviews"
    id = db.Column(db.BigInteger, primary_key=True)
    product_id = db.Column(db.BigInteger, nullable=False)
    user_id = db.Column(db.BigInteger, nullable=False)
    rating = db.Column(db.Integer, nullable=False)
    comment = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, default=datetime.utcnow)


def iso(ts):
    """The API's timestamps: ISO 8601 UTC with six fractional digits."""
    if ts is None:
        return None
    if ts.tzinfo is not None:
        ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cents(price):
    return round(price * 100)


@app.errorhandler(HTTPException)
def http_error(e):
    return jsonify(error=e.name.lower()), e.code


def bad_request(message):
    return jsonify(error=message), 400


@app.get("/products")
def get_products():
    query = db.select(Product).order_by(Product.id)
    if "category" in request.args:
        query = query.filter_by(category=request.args["category"])
    result = [
        {"id": p.id, "name": p.name, "price": p.price, "stock": p.stock, "category": p.category}
        for p in db.session.execute(query).scalars()
    ]
    db.session.add(PageView(page="/products", ip_address=request.remote_addr))
    db.session.commit()
    return jsonify(result)


@app.get("/users/<int:user_id>/orders")
def get_user_orders(user_id):
    db.get_or_404(User, user_id)
    orders = db.session.execute(
        db.select(Order).filter_by(user_id=user_id).order_by(Order.id)).scalars()
    result = [
        {"id": o.id, "total": o.total_amount, "status": o.status, "date": iso(o.created_at)}
        for o in orders
    ]
    db.session.add(PageView(page=f"/users/{user_id}/orders", user_id=user_id,
                            ip_address=request.remote_addr))
    db.session.commit()
    return jsonify(result)


@app.get("/orders/<int:order_id>")
def get_order(order_id):
    order = db.get_or_404(Order, order_id)
    user = db.session.get(User, order.user_id)
    items = db.session.execute(
        db.select(OrderItem).filter_by(order_id=order_id).order_by(OrderItem.id)).scalars().all()
    # Products live in another database: one IN query rather than one query per item.
    products = {p.id: p for p in db.session.execute(
        db.select(Product).where(Product.id.in_({i.product_id for i in items}))).scalars()}
    return jsonify({
        "id": order.id,
        "user": {"id": order.user_id, "username": user.username if user else None},
        "total": order.total_amount,
        "status": order.status,
        "items": [
            {"product_id": i.product_id,
             "product_name": products[i.product_id].name if i.product_id in products else None,
             "quantity": i.quantity, "price": i.price}
            for i in items
        ],
    })


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


@app.post("/orders")
def create_order():
    body = request.get_json(force=True, silent=True)  # like the shop: any Content-Type
    if not isinstance(body, dict):
        return bad_request("the body must be a JSON object")
    user_id, items = body.get("user_id"), body.get("items")
    if not is_int(user_id):
        return bad_request("'user_id' must be an integer")
    if not isinstance(items, list) or not items:
        return bad_request("'items' must be a non-empty array")
    wanted = {}  # product id -> quantity, lines of one product added up
    for item in items:
        if not isinstance(item, dict) or not is_int(item.get("product_id")):
            return bad_request("each item needs an integer 'product_id'")
        if not is_int(item.get("quantity")) or item["quantity"] <= 0:
            return bad_request("'quantity' must be a positive integer")
        wanted[item["product_id"]] = wanted.get(item["product_id"], 0) + item["quantity"]

    if db.session.get(User, user_id) is None:
        return jsonify(error="user not found"), 404
    prices = {p.id: p.price for p in db.session.execute(
        db.select(Product).where(Product.id.in_(wanted))).scalars()}
    if len(prices) != len(wanted):
        return jsonify(error="product not found"), 404

    # Take the stock first (products database), guarded, in id order; then write the order.
    for product_id in sorted(wanted):
        taken = db.session.execute(
            db.update(Product)
            .where(Product.id == product_id, Product.stock >= wanted[product_id])
            .values(stock=Product.stock - wanted[product_id]))
        if taken.rowcount != 1:
            db.session.rollback()
            return jsonify(error="not enough stock"), 409
    db.session.commit()

    total = sum(cents(prices[pid]) * q for pid, q in wanted.items())
    try:
        order = Order(user_id=user_id, total_amount=total / 100)
        db.session.add(order)
        db.session.flush()  # assigns order.id
        for product_id, quantity in wanted.items():
            db.session.add(OrderItem(order_id=order.id, product_id=product_id,
                                     quantity=quantity, price=prices[product_id]))
        db.session.commit()
    except Exception:
        db.session.rollback()
        for product_id, quantity in wanted.items():  # give the stock back
            db.session.execute(db.update(Product).where(Product.id == product_id)
                               .values(stock=Product.stock + quantity))
        db.session.commit()
        return jsonify(error="the order could not be saved; no stock was taken"), 503
    return jsonify(id=order.id, total=total / 100), 201


@app.get("/healthz")
def health():
    binds = {}
    for key in (None,) + BINDS:
        try:
            with db.engines[key].connect() as connection:
                connection.execute(db.text("SELECT 1"))
            binds[key or "default"] = {"status": "ok"}
        except Exception as e:  # noqa: BLE001 - any failure is "down"
            binds[key or "default"] = {"status": "down", "error": type(e).__name__}
    ok = all(b["status"] == "ok" for b in binds.values())
    return jsonify(status="ok" if ok else "degraded", binds=binds), 200 if ok else 503
