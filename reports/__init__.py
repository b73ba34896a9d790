"""Renderers: an audit result in words fit for one audience."""
