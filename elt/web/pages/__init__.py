"""One router per page of the web app (elt.web.app mounts them)."""
