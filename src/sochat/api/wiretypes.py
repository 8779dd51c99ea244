"""Annotated field types for wire carriers.

Every carrier property is declared once with one of these aliases. The annotation
carries what NetServer reports in ``FieldProperties`` (.NET type name and length) and
how the value is bound on input (enum, flags, date, time span), so the JSON and XML
codecs, the FieldProperties table, the input binder and OpenAPI all derive from the
same declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

Kind = Literal["plain", "datetime", "timespan", "enum", "flags"]


@dataclass(frozen=True, slots=True)
class Net:
    """The .NET view of a property: FieldType, FieldLength and how to bind it."""

    type_name: str
    length: int
    kind: Kind = "plain"
    enum: str = ""


Int32 = Annotated[int, Net("System.Int32", 4)]
Int16 = Annotated[int, Net("System.Int16", 2)]
Bool = Annotated[bool, Net("System.Boolean", 2)]
Double = Annotated[float, Net("System.Double", 8)]
DateTime = Annotated[str, Net("System.DateTime", 16, "datetime")]
TimeSpan = Annotated[str, Net("System.TimeSpan", 8, "timespan")]
Text = Annotated[str, Net("System.String", 0)]
Str16 = Annotated[str, Net("System.String", 16)]
Str32 = Annotated[str, Net("System.String", 32)]
Str63 = Annotated[str, Net("System.String", 63)]
Str64 = Annotated[str, Net("System.String", 64)]
Str80 = Annotated[str, Net("System.String", 80)]
Str255 = Annotated[str, Net("System.String", 255)]
Str1024 = Annotated[str, Net("System.String", 1024)]
# Strings NetServer computes or joins from other tables: no stored length (0 = unbounded).
Computed = Annotated[str, Net("System.String", 0)]

ChatSessionStatusName = Annotated[
    str, Net("SuperOffice.Data.ChatSessionStatus", 4, "enum", "ChatSessionStatus")
]
ChatMessageTypeName = Annotated[str, Net("SuperOffice.Data.ChatMessageType", 4, "enum", "ChatMessageType")]
ChatMessageSpecialTypeName = Annotated[
    str, Net("SuperOffice.Data.ChatMessageSpecialType", 4, "enum", "ChatMessageSpecialType")
]
ChatWidgetSizeName = Annotated[str, Net("SuperOffice.Data.ChatWidgetSize", 4, "enum", "ChatWidgetSize")]
WidgetThemeName = Annotated[str, Net("SuperOffice.Data.WidgetTheme", 4, "enum", "WidgetTheme")]
UserTypeName = Annotated[str, Net("SuperOffice.Data.UserType", 4, "enum", "UserType")]
SaleStatusName = Annotated[str, Net("SuperOffice.Data.SaleStatus", 4, "enum", "SaleStatus")]
ActivityStatusName = Annotated[str, Net("SuperOffice.Data.ActivityStatus", 4, "enum", "ActivityStatus")]
TicketSecurityLevelName = Annotated[
    str, Net("SuperOffice.Data.TicketSecurityLevel", 4, "enum", "TicketSecurityLevel")
]
TicketBaseStatusName = Annotated[str, Net("SuperOffice.Data.TicketBaseStatus", 4, "enum", "TicketBaseStatus")]
TicketOriginName = Annotated[str, Net("SuperOffice.Data.TicketOrigin", 4, "enum", "TicketOrigin")]
TicketReadStatusName = Annotated[str, Net("SuperOffice.Data.TicketReadStatus", 4, "enum", "TicketReadStatus")]
AddressTypeName = Annotated[str, Net("SuperOffice.Data.AddressType", 4, "enum", "AddressType")]
ChatSessionFlagsText = Annotated[
    str, Net("SuperOffice.Data.ChatSessionFlags", 4, "flags", "ChatSessionFlags")
]
WidgetRequiredFieldsText = Annotated[
    str, Net("SuperOffice.Data.WidgetRequiredFields", 4, "flags", "WidgetRequiredFields")
]
TableRightMask = Annotated[str, Net("SuperOffice.CRM.Security.ETableRight", 4, "flags", "ETableRight")]
FieldRightMask = Annotated[str, Net("SuperOffice.CRM.Security.EFieldRight", 4, "flags", "EFieldRight")]
