"""HTTP and WebSocket handlers. Each module has a RouteTableDef named `routes`."""
