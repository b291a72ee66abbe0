"""Tests without servers: pure logic, documents, layers."""
