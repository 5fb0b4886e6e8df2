"""WebDAV's XML: request bodies read safely, multistatus answers written.

A request body is bounded before it is read, must be UTF-8 and may not hold a document type declaration, so
no entity can be declared, expanded or fetched; what is left is plain elements, which ElementTree (expat)
reads in linear time.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

DAV = "DAV:"
CARDDAV = "urn:ietf:params:xml:ns:carddav"
CALSERVER = "http://calendarserver.org/ns/"
ET.register_namespace("d", DAV)
ET.register_namespace("card", CARDDAV)
ET.register_namespace("cs", CALSERVER)

# A multiget of a thousand cards is about 100 KB of XML.
MAX_XML_BYTES = 1024 * 1024
_DECLARATIONS = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class BadXml(ValueError):
    """A body Kith will not read (the message says why; a 400)."""


class TooLarge(ValueError):
    """A body past its bound (a 413)."""


def tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


def xml_parse(body: bytes) -> ET.Element | None:
    """The body's root element, None for an empty body. Raises TooLarge or BadXml."""
    if len(body) > MAX_XML_BYTES:
        raise TooLarge(f"The request body is larger than {MAX_XML_BYTES:,} bytes.")
    if not body.strip():
        return None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadXml("The request body is not UTF-8.") from None
    if _DECLARATIONS.search(text):
        raise BadXml("Document type and entity declarations are refused.")
    # The declaration's encoding, if any, is overridden: the text was decoded as UTF-8 above.
    parser = ET.XMLParser(encoding="utf-8")
    try:
        parser.feed(text.encode())
        return parser.close()
    except ET.ParseError as error:
        raise BadXml(f"The request body is not well-formed XML: {error}.") from None


def child_tags(element: ET.Element | None) -> list[str]:
    return [] if element is None else [child.tag for child in element]


def sub(parent: ET.Element, namespace: str, name: str, text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag(namespace, name))
    if text is not None:
        element.text = text
    return element


def href_element(href: str) -> ET.Element:
    element = ET.Element(tag(DAV, "href"))
    element.text = href
    return element


def response_add(
    multistatus: ET.Element, href: str, found: Iterable[ET.Element], missing: Iterable[str] = ()
) -> None:
    """One resource's answer: the properties found (200) and the names of those it does not have (404)."""
    response = sub(multistatus, DAV, "response")
    sub(response, DAV, "href", href)
    for status, props in (("200 OK", list(found)), ("404 Not Found", [ET.Element(t) for t in missing])):
        if props:
            propstat = sub(response, DAV, "propstat")
            prop = sub(propstat, DAV, "prop")
            prop.extend(props)
            sub(propstat, DAV, "status", f"HTTP/1.1 {status}")


def gone_add(multistatus: ET.Element, href: str) -> None:
    """A card no longer there, as sync-collection reports it."""
    response = sub(multistatus, DAV, "response")
    sub(response, DAV, "href", href)
    sub(response, DAV, "status", "HTTP/1.1 404 Not Found")


def xml_bytes(root: ET.Element) -> bytes:
    """The document, with each carriage return written as `&#13;`: an XML reader turns a bare CR LF into LF,
    and a card's text (its CRLF line ends) must reach the client as served. ElementTree writes a CR only in
    text and attribute values, so every one is replaced."""
    return ET.tostring(root, encoding="utf-8", xml_declaration=True).replace(b"\r", b"&#13;")


def error_body(namespace: str, condition: str) -> bytes:
    """A precondition's error element (RFC 4918, 16), such as DAV:valid-sync-token."""
    root = ET.Element(tag(DAV, "error"))
    sub(root, namespace, condition)
    return xml_bytes(root)
