"""The generation-2 customer calls of :class:`~license_guard.admin.KeymintAdmin` (a base class
of it, not used alone): create, read, list, update, delete and disable customers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from license_guard._log import get_logger
from license_guard.admin.messages import ADMIN_MESSAGES
from license_guard.backends.keymint.answers import (
    Customer,
    NewCustomer,
    parse_customer_answer,
    parse_customers,
)
from license_guard.backends.keymint.api import ApiCall, KeymintApi, answer
from license_guard.errors import ConfigurationError

if TYPE_CHECKING:
    from license_guard.http import Response

__all__ = ["CustomerCalls", "query", "required_id"]

log = get_logger("license_guard.admin")


class CustomerCalls:
    """Customers, in generation 2 (``/customer``...); generation 1 has no such calls."""

    api: KeymintApi

    if TYPE_CHECKING:

        def _write(
            self,
            method: str,
            path: str,
            payload: Mapping[str, Any] | None,
            *,
            idempotent: bool = True,
        ) -> dict[str, Any]: ...

        def _send(self, call: ApiCall, *, idempotent: bool = True) -> Response: ...

    def create_customer(self, customer: NewCustomer) -> Customer:
        """Create a customer (generation 2).

        Raises:
            ConfigurationError: generation 1.
            CustomerExistsError: a customer has this e-mail already.
        """
        path = self.api.require(self.api.customers, "Managing customers")
        created = parse_customer_answer(self._write("POST", path, customer.to_json()))
        log.info("created customer %s", created.id)
        return created

    def get_customer(self, customer_id: str) -> Customer:
        """One customer (generation 2).

        Raises:
            ConfigurationError: generation 1.
            CustomerNotFoundError: no customer has this id.
        """
        path = self.api.require(self.api.customer_by_id, "Managing customers")
        response = self._send(ApiCall("GET", query(path, customerId=customer_id), None, {}))
        return parse_customer_answer(answer(response, messages=ADMIN_MESSAGES))

    def list_customers(
        self, *, email: str | None = None, page: int = 1, limit: int = 100
    ) -> tuple[Customer, ...]:
        """One page of customers (generation 2), optionally those with *email*.

        Raises:
            ConfigurationError: generation 1, or a page or limit out of range (limit 1..100).
        """
        path = self.api.require(self.api.customers, "Managing customers")
        if not 1 <= limit <= 100 or page < 1:
            raise ConfigurationError("page must be 1 or more, and limit 1 to 100.")
        params: dict[str, str] = {"page": str(page), "limit": str(limit)}
        if email is not None:
            params["email"] = email
        response = self._send(ApiCall("GET", query(path, **params), None, {}))
        return parse_customers(answer(response, messages=ADMIN_MESSAGES))

    def update_customer(
        self, customer_id: str, *, name: str | None = None, email: str | None = None
    ) -> None:
        """Change a customer's name or e-mail (generation 2).

        Raises:
            ConfigurationError: generation 1, or nothing to change.
            CustomerNotFoundError: no customer has this id.
        """
        path = self.api.require(self.api.customer_by_id, "Managing customers")
        changes = {k: v for k, v in (("name", name), ("email", email)) if v is not None}
        if not changes:
            raise ConfigurationError("update_customer needs a name or an e-mail to change.")
        self._write("PUT", path, {"customerId": required_id("customer_id", customer_id), **changes})

    def delete_customer(self, customer_id: str) -> None:
        """Delete a customer (generation 2).

        Raises:
            ConfigurationError: generation 1.
            CustomerNotFoundError: no customer has this id.
        """
        path = self.api.require(self.api.customer_by_id, "Managing customers")
        self._write("DELETE", query(path, customerId=required_id("customer_id", customer_id)), None)
        log.info("deleted customer %s", customer_id)

    def toggle_customer(self, customer_id: str) -> None:
        """Disable an active customer, or enable a disabled one (generation 2): the keys of a
        disabled customer are refused (``CustomerInactiveError`` in the app).

        Raises:
            ConfigurationError: generation 1.
            CustomerNotFoundError: no customer has this id.
        """
        path = self.api.require(self.api.customer_disable, "Managing customers")
        self._write("POST", query(path, customerId=required_id("customer_id", customer_id)), None)


def query(path: str, **params: str) -> str:
    """*path* with *params* as its query string."""
    from urllib.parse import urlencode

    return f"{path}?{urlencode(params)}"


def required_id(name: str, value: object) -> str:
    """*value*, or ConfigurationError when it is not a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(f"{name} must not be empty.")
    return value
