"""The simulated venue: a fake Kite Connect HTTP server for tests, the demo and benchmarks.

`FakeKite` serves the routes of Kite Connect v3 on 127.0.0.1 so that the real
`kiteconnect.KiteConnect(api_key, root=fake.url)` talks to it unchanged. It enforces Kite's
limits (`FakeLimits`), simulates one account's orders, trades, holdings, positions, funds and
charges, sends postbacks, and injects faults (lost responses, throttling, RMS rejections).
Its charge table (`charges`) is written apart from the allocator's, so the two check each other.
"""

from bridge_api.brokers.fake_kite.charges import Charges, order_charges
from bridge_api.brokers.fake_kite.limits import FakeLimits
from bridge_api.brokers.fake_kite.server import FakeKite
from bridge_api.brokers.fake_kite.wire import KiteError
from bridge_api.calendar import IST

__all__ = ["IST", "Charges", "FakeKite", "FakeLimits", "KiteError", "order_charges"]
