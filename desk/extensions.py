"""The Flask extensions, created unbound here and bound in :func:`desk.create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from desk.models.base import Base

db = SQLAlchemy(model_class=Base)
# render_as_batch so later ALTERs (NOT NULL, drop column) work on SQLite.
migrate = Migrate(render_as_batch=True, compare_type=True)
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared where they apply (the login view); storage comes from
# DESK_RATELIMIT_STORAGE_URI: memory by default, redis:// for several processes.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
