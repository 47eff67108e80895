"""scripts/tether's HTTP client of the gateway, and the failure that ends a command in words for the user."""
import json
import ssl

import clusters


class Failure(Exception):
    """An answer or a condition that ends the command with exit status 1, in words for the user."""


class Answer:
    """A gateway's answer: its status and its JSON body."""

    def __init__(self, status, body):
        self.status = status
        self.body = body


class Client:
    def __init__(self, url, token):
        self.url = url
        self.token = token

    def call(self, method, path, body=None, accept=(200,), headers=None):
        """The answer's JSON; a Failure with the server's message for any status outside `accept`."""
        return self.exchange(method, path, body, accept, headers).body

    def exchange(self, method, path, body=None, accept=(200,), headers=None):
        """The whole `Answer`; a Failure with the server's message for any status outside `accept`."""
        try:
            connection = clusters.connection(self.url, timeout=60)
        except LookupError as error:
            raise Failure(str(error)) from error
        sent = {"Authorization": "Bearer " + self.token}
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        try:
            connection.request(method, path, body=None if body is None else json.dumps(body), headers=sent)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        except ssl.SSLError as error:
            # A failed handshake comes before the request: the token was not sent.
            raise Failure("TLS with %s failed (%s): is it an https server with a certificate this machine trusts? "
                          "(http:// if it only speaks plain HTTP)" % (self.url, error)) from error
        except OSError as error:
            raise Failure("nothing answers at %s (%s): is the cluster running? scripts/cluster status"
                          % (self.url, error.strerror or error)) from error
        finally:
            connection.close()
        try:
            answer = json.loads(text) if text else {}
        except ValueError:
            answer = {"error": "not JSON", "message": text[:200]}
        if response.status not in accept:
            raise Failure("%s %s answered %d %s: %s" % (method, path, response.status, answer.get("error", ""), answer.get("message", text)))
        return Answer(response.status, answer)
