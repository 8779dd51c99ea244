"""SuperOffice's ``SO-TimeZone`` header and the wire format of dates (conventions.md sections 6 and 7).

SuperOffice names time zones by location: a country code, optionally with a region
(``NO``, ``US-NY``, ``AU-ACT``), or the location's numeric id (``261``). Clients send
``SO-TimeZone: <zone>[, includeTZOffset]``; outgoing dates are converted to that zone
and carry an offset only when ``includeTZOffset`` was given. Without the header the
server's base zone is used, without offset.

Dates are stored as UTC-aware ``datetime`` values; ``None`` stands for .NET's
``DateTime.MinValue`` ("0001-01-01T00:00:00"), which SuperOffice uses for "unset".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "LOCATIONS",
    "TimeZoneLocation",
    "TimeZoneRequest",
    "UnknownTimeZone",
    "base_zone",
    "format_datetime",
    "format_http_date",
    "location_by_code",
    "location_by_id",
    "parse_datetime",
    "parse_http_date",
    "parse_so_timezone",
]


class TimeZoneLocation(NamedTuple):
    """One SuperOffice time-zone location (``TimeZoneData`` on the wire)."""

    code: str
    location_id: int
    name: str
    iana: str


# (code, location id, display name, IANA zone).
#
# Only these ids are SuperOffice's real ones (documented): UTC 1, AU-ACT 36, BD 50,
# CA-QC 114, DK 140, FR 156, NO 261, US-CA 425, US-HI 433, US-NY 460. SuperOffice's
# full id list is not published, so every other row has an id of our own from 1001 up,
# a range clear of SuperOffice's (which stay below 1000). A new row takes the next
# free id; never renumber a row, ids are stored (ChatOpeningHours.TzLocation).
#
# Countries are ISO 3166 alpha-2 codes on their capital's (or main) zone; regions of
# countries spanning several zones follow ISO 3166-2 (US-NY, CA-QC, AU-WA, BR-SP,
# RU-SVE, MX-SON) on the zone that covers most of the region.
_ROWS: Final[tuple[tuple[str, int, str, str], ...]] = (
    ("UTC", 1, "Coordinated Universal Time", "UTC"),
    ("AD", 1001, "Andorra", "Europe/Andorra"),
    ("AE", 1002, "United Arab Emirates", "Asia/Dubai"),
    ("AF", 1003, "Afghanistan", "Asia/Kabul"),
    ("AG", 1004, "Antigua & Barbuda", "America/Antigua"),
    ("AI", 1005, "Anguilla", "America/Anguilla"),
    ("AL", 1006, "Albania", "Europe/Tirane"),
    ("AM", 1007, "Armenia", "Asia/Yerevan"),
    ("AO", 1008, "Angola", "Africa/Luanda"),
    ("AR", 1009, "Argentina", "America/Argentina/Buenos_Aires"),
    ("AS", 1010, "American Samoa", "Pacific/Pago_Pago"),
    ("AT", 1011, "Austria", "Europe/Vienna"),
    ("AU", 1012, "Australia", "Australia/Sydney"),
    ("AU-ACT", 36, "Australia (Australian Capital Territory)", "Australia/Sydney"),
    ("AU-NSW", 1013, "Australia (New South Wales)", "Australia/Sydney"),
    ("AU-NT", 1014, "Australia (Northern Territory)", "Australia/Darwin"),
    ("AU-QLD", 1015, "Australia (Queensland)", "Australia/Brisbane"),
    ("AU-SA", 1016, "Australia (South Australia)", "Australia/Adelaide"),
    ("AU-TAS", 1017, "Australia (Tasmania)", "Australia/Hobart"),
    ("AU-VIC", 1018, "Australia (Victoria)", "Australia/Melbourne"),
    ("AU-WA", 1019, "Australia (Western Australia)", "Australia/Perth"),
    ("AW", 1020, "Aruba", "America/Aruba"),
    ("AX", 1021, "Åland Islands", "Europe/Mariehamn"),
    ("AZ", 1022, "Azerbaijan", "Asia/Baku"),
    ("BA", 1023, "Bosnia & Herzegovina", "Europe/Sarajevo"),
    ("BB", 1024, "Barbados", "America/Barbados"),
    ("BD", 50, "Bangladesh", "Asia/Dhaka"),
    ("BE", 1025, "Belgium", "Europe/Brussels"),
    ("BF", 1026, "Burkina Faso", "Africa/Ouagadougou"),
    ("BG", 1027, "Bulgaria", "Europe/Sofia"),
    ("BH", 1028, "Bahrain", "Asia/Bahrain"),
    ("BI", 1029, "Burundi", "Africa/Bujumbura"),
    ("BJ", 1030, "Benin", "Africa/Porto-Novo"),
    ("BL", 1031, "St. Barthélemy", "America/St_Barthelemy"),
    ("BM", 1032, "Bermuda", "Atlantic/Bermuda"),
    ("BN", 1033, "Brunei", "Asia/Brunei"),
    ("BO", 1034, "Bolivia", "America/La_Paz"),
    ("BQ", 1035, "Caribbean Netherlands", "America/Kralendijk"),
    ("BR", 1036, "Brazil", "America/Noronha"),
    ("BR-AC", 1037, "Brazil (Acre)", "America/Rio_Branco"),
    ("BR-AL", 1038, "Brazil (Alagoas)", "America/Maceio"),
    ("BR-AM", 1039, "Brazil (Amazonas)", "America/Manaus"),
    ("BR-AP", 1040, "Brazil (Amapá)", "America/Belem"),
    ("BR-BA", 1041, "Brazil (Bahia)", "America/Bahia"),
    ("BR-CE", 1042, "Brazil (Ceará)", "America/Fortaleza"),
    ("BR-DF", 1043, "Brazil (Distrito Federal)", "America/Sao_Paulo"),
    ("BR-ES", 1044, "Brazil (Espírito Santo)", "America/Sao_Paulo"),
    ("BR-GO", 1045, "Brazil (Goiás)", "America/Sao_Paulo"),
    ("BR-MA", 1046, "Brazil (Maranhão)", "America/Fortaleza"),
    ("BR-MG", 1047, "Brazil (Minas Gerais)", "America/Sao_Paulo"),
    ("BR-MS", 1048, "Brazil (Mato Grosso do Sul)", "America/Campo_Grande"),
    ("BR-MT", 1049, "Brazil (Mato Grosso)", "America/Cuiaba"),
    ("BR-PA", 1050, "Brazil (Pará)", "America/Belem"),
    ("BR-PB", 1051, "Brazil (Paraíba)", "America/Fortaleza"),
    ("BR-PE", 1052, "Brazil (Pernambuco)", "America/Recife"),
    ("BR-PI", 1053, "Brazil (Piauí)", "America/Fortaleza"),
    ("BR-PR", 1054, "Brazil (Paraná)", "America/Sao_Paulo"),
    ("BR-RJ", 1055, "Brazil (Rio de Janeiro)", "America/Sao_Paulo"),
    ("BR-RN", 1056, "Brazil (Rio Grande do Norte)", "America/Fortaleza"),
    ("BR-RO", 1057, "Brazil (Rondônia)", "America/Porto_Velho"),
    ("BR-RR", 1058, "Brazil (Roraima)", "America/Boa_Vista"),
    ("BR-RS", 1059, "Brazil (Rio Grande do Sul)", "America/Sao_Paulo"),
    ("BR-SC", 1060, "Brazil (Santa Catarina)", "America/Sao_Paulo"),
    ("BR-SE", 1061, "Brazil (Sergipe)", "America/Maceio"),
    ("BR-SP", 1062, "Brazil (São Paulo)", "America/Sao_Paulo"),
    ("BR-TO", 1063, "Brazil (Tocantins)", "America/Araguaina"),
    ("BS", 1064, "Bahamas", "America/Nassau"),
    ("BT", 1065, "Bhutan", "Asia/Thimphu"),
    ("BW", 1066, "Botswana", "Africa/Gaborone"),
    ("BY", 1067, "Belarus", "Europe/Minsk"),
    ("BZ", 1068, "Belize", "America/Belize"),
    ("CA", 1069, "Canada", "America/Toronto"),
    ("CA-AB", 1070, "Canada (Alberta)", "America/Edmonton"),
    ("CA-BC", 1071, "Canada (British Columbia)", "America/Vancouver"),
    ("CA-MB", 1072, "Canada (Manitoba)", "America/Winnipeg"),
    ("CA-NB", 1073, "Canada (New Brunswick)", "America/Moncton"),
    ("CA-NL", 1074, "Canada (Newfoundland and Labrador)", "America/St_Johns"),
    ("CA-NS", 1075, "Canada (Nova Scotia)", "America/Halifax"),
    ("CA-NT", 1076, "Canada (Northwest Territories)", "America/Edmonton"),
    ("CA-NU", 1077, "Canada (Nunavut)", "America/Iqaluit"),
    ("CA-ON", 1078, "Canada (Ontario)", "America/Toronto"),
    ("CA-PE", 1079, "Canada (Prince Edward Island)", "America/Halifax"),
    ("CA-QC", 114, "Canada (Quebec)", "America/Toronto"),
    ("CA-SK", 1080, "Canada (Saskatchewan)", "America/Regina"),
    ("CA-YT", 1081, "Canada (Yukon)", "America/Whitehorse"),
    ("CC", 1082, "Cocos (Keeling) Islands", "Indian/Cocos"),
    ("CD", 1083, "Congo - Kinshasa", "Africa/Kinshasa"),
    ("CF", 1084, "Central African Republic", "Africa/Bangui"),
    ("CG", 1085, "Congo - Brazzaville", "Africa/Brazzaville"),
    ("CH", 1086, "Switzerland", "Europe/Zurich"),
    ("CI", 1087, "Côte d’Ivoire", "Africa/Abidjan"),
    ("CK", 1088, "Cook Islands", "Pacific/Rarotonga"),
    ("CL", 1089, "Chile", "America/Santiago"),
    ("CM", 1090, "Cameroon", "Africa/Douala"),
    ("CN", 1091, "China", "Asia/Shanghai"),
    ("CO", 1092, "Colombia", "America/Bogota"),
    ("CR", 1093, "Costa Rica", "America/Costa_Rica"),
    ("CU", 1094, "Cuba", "America/Havana"),
    ("CV", 1095, "Cape Verde", "Atlantic/Cape_Verde"),
    ("CW", 1096, "Curaçao", "America/Curacao"),
    ("CX", 1097, "Christmas Island", "Indian/Christmas"),
    ("CY", 1098, "Cyprus", "Asia/Nicosia"),
    ("CZ", 1099, "Czechia", "Europe/Prague"),
    ("DE", 1100, "Germany", "Europe/Berlin"),
    ("DJ", 1101, "Djibouti", "Africa/Djibouti"),
    ("DK", 140, "Denmark", "Europe/Copenhagen"),
    ("DM", 1102, "Dominica", "America/Dominica"),
    ("DO", 1103, "Dominican Republic", "America/Santo_Domingo"),
    ("DZ", 1104, "Algeria", "Africa/Algiers"),
    ("EC", 1105, "Ecuador", "America/Guayaquil"),
    ("EE", 1106, "Estonia", "Europe/Tallinn"),
    ("EG", 1107, "Egypt", "Africa/Cairo"),
    ("EH", 1108, "Western Sahara", "Africa/El_Aaiun"),
    ("ER", 1109, "Eritrea", "Africa/Asmara"),
    ("ES", 1110, "Spain", "Europe/Madrid"),
    ("ET", 1111, "Ethiopia", "Africa/Addis_Ababa"),
    ("FI", 1112, "Finland", "Europe/Helsinki"),
    ("FJ", 1113, "Fiji", "Pacific/Fiji"),
    ("FK", 1114, "Falkland Islands", "Atlantic/Stanley"),
    ("FM", 1115, "Micronesia", "Pacific/Chuuk"),
    ("FO", 1116, "Faroe Islands", "Atlantic/Faroe"),
    ("FR", 156, "France", "Europe/Paris"),
    ("GA", 1117, "Gabon", "Africa/Libreville"),
    ("GB", 1118, "United Kingdom", "Europe/London"),
    ("GD", 1119, "Grenada", "America/Grenada"),
    ("GE", 1120, "Georgia", "Asia/Tbilisi"),
    ("GF", 1121, "French Guiana", "America/Cayenne"),
    ("GG", 1122, "Guernsey", "Europe/Guernsey"),
    ("GH", 1123, "Ghana", "Africa/Accra"),
    ("GI", 1124, "Gibraltar", "Europe/Gibraltar"),
    ("GL", 1125, "Greenland", "America/Nuuk"),
    ("GM", 1126, "Gambia", "Africa/Banjul"),
    ("GN", 1127, "Guinea", "Africa/Conakry"),
    ("GP", 1128, "Guadeloupe", "America/Guadeloupe"),
    ("GQ", 1129, "Equatorial Guinea", "Africa/Malabo"),
    ("GR", 1130, "Greece", "Europe/Athens"),
    ("GS", 1131, "South Georgia & South Sandwich Islands", "Atlantic/South_Georgia"),
    ("GT", 1132, "Guatemala", "America/Guatemala"),
    ("GU", 1133, "Guam", "Pacific/Guam"),
    ("GW", 1134, "Guinea-Bissau", "Africa/Bissau"),
    ("GY", 1135, "Guyana", "America/Guyana"),
    ("HK", 1136, "Hong Kong SAR China", "Asia/Hong_Kong"),
    ("HN", 1137, "Honduras", "America/Tegucigalpa"),
    ("HR", 1138, "Croatia", "Europe/Zagreb"),
    ("HT", 1139, "Haiti", "America/Port-au-Prince"),
    ("HU", 1140, "Hungary", "Europe/Budapest"),
    ("ID", 1141, "Indonesia", "Asia/Jakarta"),
    ("IE", 1142, "Ireland", "Europe/Dublin"),
    ("IL", 1143, "Israel", "Asia/Jerusalem"),
    ("IM", 1144, "Isle of Man", "Europe/Isle_of_Man"),
    ("IN", 1145, "India", "Asia/Kolkata"),
    ("IO", 1146, "British Indian Ocean Territory", "Indian/Chagos"),
    ("IQ", 1147, "Iraq", "Asia/Baghdad"),
    ("IR", 1148, "Iran", "Asia/Tehran"),
    ("IS", 1149, "Iceland", "Atlantic/Reykjavik"),
    ("IT", 1150, "Italy", "Europe/Rome"),
    ("JE", 1151, "Jersey", "Europe/Jersey"),
    ("JM", 1152, "Jamaica", "America/Jamaica"),
    ("JO", 1153, "Jordan", "Asia/Amman"),
    ("JP", 1154, "Japan", "Asia/Tokyo"),
    ("KE", 1155, "Kenya", "Africa/Nairobi"),
    ("KG", 1156, "Kyrgyzstan", "Asia/Bishkek"),
    ("KH", 1157, "Cambodia", "Asia/Phnom_Penh"),
    ("KI", 1158, "Kiribati", "Pacific/Tarawa"),
    ("KM", 1159, "Comoros", "Indian/Comoro"),
    ("KN", 1160, "St. Kitts & Nevis", "America/St_Kitts"),
    ("KP", 1161, "North Korea", "Asia/Pyongyang"),
    ("KR", 1162, "South Korea", "Asia/Seoul"),
    ("KW", 1163, "Kuwait", "Asia/Kuwait"),
    ("KY", 1164, "Cayman Islands", "America/Cayman"),
    ("KZ", 1165, "Kazakhstan", "Asia/Almaty"),
    ("LA", 1166, "Laos", "Asia/Vientiane"),
    ("LB", 1167, "Lebanon", "Asia/Beirut"),
    ("LC", 1168, "St. Lucia", "America/St_Lucia"),
    ("LI", 1169, "Liechtenstein", "Europe/Vaduz"),
    ("LK", 1170, "Sri Lanka", "Asia/Colombo"),
    ("LR", 1171, "Liberia", "Africa/Monrovia"),
    ("LS", 1172, "Lesotho", "Africa/Maseru"),
    ("LT", 1173, "Lithuania", "Europe/Vilnius"),
    ("LU", 1174, "Luxembourg", "Europe/Luxembourg"),
    ("LV", 1175, "Latvia", "Europe/Riga"),
    ("LY", 1176, "Libya", "Africa/Tripoli"),
    ("MA", 1177, "Morocco", "Africa/Casablanca"),
    ("MC", 1178, "Monaco", "Europe/Monaco"),
    ("MD", 1179, "Moldova", "Europe/Chisinau"),
    ("ME", 1180, "Montenegro", "Europe/Podgorica"),
    ("MF", 1181, "St. Martin", "America/Marigot"),
    ("MG", 1182, "Madagascar", "Indian/Antananarivo"),
    ("MH", 1183, "Marshall Islands", "Pacific/Majuro"),
    ("MK", 1184, "North Macedonia", "Europe/Skopje"),
    ("ML", 1185, "Mali", "Africa/Bamako"),
    ("MM", 1186, "Myanmar (Burma)", "Asia/Yangon"),
    ("MN", 1187, "Mongolia", "Asia/Ulaanbaatar"),
    ("MO", 1188, "Macao SAR China", "Asia/Macau"),
    ("MP", 1189, "Northern Mariana Islands", "Pacific/Saipan"),
    ("MQ", 1190, "Martinique", "America/Martinique"),
    ("MR", 1191, "Mauritania", "Africa/Nouakchott"),
    ("MS", 1192, "Montserrat", "America/Montserrat"),
    ("MT", 1193, "Malta", "Europe/Malta"),
    ("MU", 1194, "Mauritius", "Indian/Mauritius"),
    ("MV", 1195, "Maldives", "Indian/Maldives"),
    ("MW", 1196, "Malawi", "Africa/Blantyre"),
    ("MX", 1197, "Mexico", "America/Mexico_City"),
    ("MX-AGU", 1198, "Mexico (Aguascalientes)", "America/Mexico_City"),
    ("MX-BCN", 1199, "Mexico (Baja California)", "America/Tijuana"),
    ("MX-BCS", 1200, "Mexico (Baja California Sur)", "America/Mazatlan"),
    ("MX-CAM", 1201, "Mexico (Campeche)", "America/Merida"),
    ("MX-CHH", 1202, "Mexico (Chihuahua)", "America/Chihuahua"),
    ("MX-CHP", 1203, "Mexico (Chiapas)", "America/Mexico_City"),
    ("MX-CMX", 1204, "Mexico (Mexico City)", "America/Mexico_City"),
    ("MX-COA", 1205, "Mexico (Coahuila)", "America/Monterrey"),
    ("MX-COL", 1206, "Mexico (Colima)", "America/Mexico_City"),
    ("MX-DUR", 1207, "Mexico (Durango)", "America/Monterrey"),
    ("MX-GRO", 1208, "Mexico (Guerrero)", "America/Mexico_City"),
    ("MX-GUA", 1209, "Mexico (Guanajuato)", "America/Mexico_City"),
    ("MX-HID", 1210, "Mexico (Hidalgo)", "America/Mexico_City"),
    ("MX-JAL", 1211, "Mexico (Jalisco)", "America/Mexico_City"),
    ("MX-MEX", 1212, "Mexico (State of Mexico)", "America/Mexico_City"),
    ("MX-MIC", 1213, "Mexico (Michoacán)", "America/Mexico_City"),
    ("MX-MOR", 1214, "Mexico (Morelos)", "America/Mexico_City"),
    ("MX-NAY", 1215, "Mexico (Nayarit)", "America/Mazatlan"),
    ("MX-NLE", 1216, "Mexico (Nuevo León)", "America/Monterrey"),
    ("MX-OAX", 1217, "Mexico (Oaxaca)", "America/Mexico_City"),
    ("MX-PUE", 1218, "Mexico (Puebla)", "America/Mexico_City"),
    ("MX-QUE", 1219, "Mexico (Querétaro)", "America/Mexico_City"),
    ("MX-ROO", 1220, "Mexico (Quintana Roo)", "America/Cancun"),
    ("MX-SIN", 1221, "Mexico (Sinaloa)", "America/Mazatlan"),
    ("MX-SLP", 1222, "Mexico (San Luis Potosí)", "America/Mexico_City"),
    ("MX-SON", 1223, "Mexico (Sonora)", "America/Hermosillo"),
    ("MX-TAB", 1224, "Mexico (Tabasco)", "America/Mexico_City"),
    ("MX-TAM", 1225, "Mexico (Tamaulipas)", "America/Monterrey"),
    ("MX-TLA", 1226, "Mexico (Tlaxcala)", "America/Mexico_City"),
    ("MX-VER", 1227, "Mexico (Veracruz)", "America/Mexico_City"),
    ("MX-YUC", 1228, "Mexico (Yucatán)", "America/Merida"),
    ("MX-ZAC", 1229, "Mexico (Zacatecas)", "America/Mexico_City"),
    ("MY", 1230, "Malaysia", "Asia/Kuala_Lumpur"),
    ("MZ", 1231, "Mozambique", "Africa/Maputo"),
    ("NA", 1232, "Namibia", "Africa/Windhoek"),
    ("NC", 1233, "New Caledonia", "Pacific/Noumea"),
    ("NE", 1234, "Niger", "Africa/Niamey"),
    ("NF", 1235, "Norfolk Island", "Pacific/Norfolk"),
    ("NG", 1236, "Nigeria", "Africa/Lagos"),
    ("NI", 1237, "Nicaragua", "America/Managua"),
    ("NL", 1238, "Netherlands", "Europe/Amsterdam"),
    ("NO", 261, "Norway", "Europe/Oslo"),
    ("NP", 1239, "Nepal", "Asia/Kathmandu"),
    ("NR", 1240, "Nauru", "Pacific/Nauru"),
    ("NU", 1241, "Niue", "Pacific/Niue"),
    ("NZ", 1242, "New Zealand", "Pacific/Auckland"),
    ("OM", 1243, "Oman", "Asia/Muscat"),
    ("PA", 1244, "Panama", "America/Panama"),
    ("PE", 1245, "Peru", "America/Lima"),
    ("PF", 1246, "French Polynesia", "Pacific/Tahiti"),
    ("PG", 1247, "Papua New Guinea", "Pacific/Port_Moresby"),
    ("PH", 1248, "Philippines", "Asia/Manila"),
    ("PK", 1249, "Pakistan", "Asia/Karachi"),
    ("PL", 1250, "Poland", "Europe/Warsaw"),
    ("PM", 1251, "St. Pierre & Miquelon", "America/Miquelon"),
    ("PN", 1252, "Pitcairn Islands", "Pacific/Pitcairn"),
    ("PR", 1253, "Puerto Rico", "America/Puerto_Rico"),
    ("PS", 1254, "Palestinian Territories", "Asia/Gaza"),
    ("PT", 1255, "Portugal", "Europe/Lisbon"),
    ("PW", 1256, "Palau", "Pacific/Palau"),
    ("PY", 1257, "Paraguay", "America/Asuncion"),
    ("QA", 1258, "Qatar", "Asia/Qatar"),
    ("RE", 1259, "Réunion", "Indian/Reunion"),
    ("RO", 1260, "Romania", "Europe/Bucharest"),
    ("RS", 1261, "Serbia", "Europe/Belgrade"),
    ("RU", 1262, "Russia", "Europe/Kaliningrad"),
    ("RU-ALT", 1263, "Russia (Altai Krai)", "Asia/Barnaul"),
    ("RU-AMU", 1264, "Russia (Amur Oblast)", "Asia/Yakutsk"),
    ("RU-AST", 1265, "Russia (Astrakhan Oblast)", "Europe/Astrakhan"),
    ("RU-BA", 1266, "Russia (Bashkortostan)", "Asia/Yekaterinburg"),
    ("RU-BU", 1267, "Russia (Buryatia)", "Asia/Irkutsk"),
    ("RU-CHE", 1268, "Russia (Chelyabinsk Oblast)", "Asia/Yekaterinburg"),
    ("RU-CHU", 1269, "Russia (Chukotka)", "Asia/Anadyr"),
    ("RU-IRK", 1270, "Russia (Irkutsk Oblast)", "Asia/Irkutsk"),
    ("RU-KAM", 1271, "Russia (Kamchatka Krai)", "Asia/Kamchatka"),
    ("RU-KDA", 1272, "Russia (Krasnodar Krai)", "Europe/Moscow"),
    ("RU-KEM", 1273, "Russia (Kemerovo Oblast)", "Asia/Novokuznetsk"),
    ("RU-KGD", 1274, "Russia (Kaliningrad Oblast)", "Europe/Kaliningrad"),
    ("RU-KHA", 1275, "Russia (Khabarovsk Krai)", "Asia/Vladivostok"),
    ("RU-KIR", 1276, "Russia (Kirov Oblast)", "Europe/Kirov"),
    ("RU-KYA", 1277, "Russia (Krasnoyarsk Krai)", "Asia/Krasnoyarsk"),
    ("RU-MAG", 1278, "Russia (Magadan Oblast)", "Asia/Magadan"),
    ("RU-MOW", 1279, "Russia (Moscow)", "Europe/Moscow"),
    ("RU-NIZ", 1280, "Russia (Nizhny Novgorod Oblast)", "Europe/Moscow"),
    ("RU-NVS", 1281, "Russia (Novosibirsk Oblast)", "Asia/Novosibirsk"),
    ("RU-OMS", 1282, "Russia (Omsk Oblast)", "Asia/Omsk"),
    ("RU-PER", 1283, "Russia (Perm Krai)", "Asia/Yekaterinburg"),
    ("RU-PRI", 1284, "Russia (Primorsky Krai)", "Asia/Vladivostok"),
    ("RU-ROS", 1285, "Russia (Rostov Oblast)", "Europe/Moscow"),
    ("RU-SA", 1286, "Russia (Sakha (Yakutia))", "Asia/Yakutsk"),
    ("RU-SAK", 1287, "Russia (Sakhalin Oblast)", "Asia/Sakhalin"),
    ("RU-SAM", 1288, "Russia (Samara Oblast)", "Europe/Samara"),
    ("RU-SAR", 1289, "Russia (Saratov Oblast)", "Europe/Saratov"),
    ("RU-SPE", 1290, "Russia (Saint Petersburg)", "Europe/Moscow"),
    ("RU-SVE", 1291, "Russia (Sverdlovsk Oblast)", "Asia/Yekaterinburg"),
    ("RU-TA", 1292, "Russia (Tatarstan)", "Europe/Moscow"),
    ("RU-TOM", 1293, "Russia (Tomsk Oblast)", "Asia/Tomsk"),
    ("RU-TYU", 1294, "Russia (Tyumen Oblast)", "Asia/Yekaterinburg"),
    ("RU-ULY", 1295, "Russia (Ulyanovsk Oblast)", "Europe/Ulyanovsk"),
    ("RU-VGG", 1296, "Russia (Volgograd Oblast)", "Europe/Volgograd"),
    ("RU-ZAB", 1297, "Russia (Zabaykalsky Krai)", "Asia/Chita"),
    ("RW", 1298, "Rwanda", "Africa/Kigali"),
    ("SA", 1299, "Saudi Arabia", "Asia/Riyadh"),
    ("SB", 1300, "Solomon Islands", "Pacific/Guadalcanal"),
    ("SC", 1301, "Seychelles", "Indian/Mahe"),
    ("SD", 1302, "Sudan", "Africa/Khartoum"),
    ("SE", 1303, "Sweden", "Europe/Stockholm"),
    ("SG", 1304, "Singapore", "Asia/Singapore"),
    ("SH", 1305, "St. Helena", "Atlantic/St_Helena"),
    ("SI", 1306, "Slovenia", "Europe/Ljubljana"),
    ("SJ", 1307, "Svalbard & Jan Mayen", "Arctic/Longyearbyen"),
    ("SK", 1308, "Slovakia", "Europe/Bratislava"),
    ("SL", 1309, "Sierra Leone", "Africa/Freetown"),
    ("SM", 1310, "San Marino", "Europe/San_Marino"),
    ("SN", 1311, "Senegal", "Africa/Dakar"),
    ("SO", 1312, "Somalia", "Africa/Mogadishu"),
    ("SR", 1313, "Suriname", "America/Paramaribo"),
    ("SS", 1314, "South Sudan", "Africa/Juba"),
    ("ST", 1315, "São Tomé & Príncipe", "Africa/Sao_Tome"),
    ("SV", 1316, "El Salvador", "America/El_Salvador"),
    ("SX", 1317, "Sint Maarten", "America/Lower_Princes"),
    ("SY", 1318, "Syria", "Asia/Damascus"),
    ("SZ", 1319, "Eswatini", "Africa/Mbabane"),
    ("TC", 1320, "Turks & Caicos Islands", "America/Grand_Turk"),
    ("TD", 1321, "Chad", "Africa/Ndjamena"),
    ("TF", 1322, "French Southern Territories", "Indian/Kerguelen"),
    ("TG", 1323, "Togo", "Africa/Lome"),
    ("TH", 1324, "Thailand", "Asia/Bangkok"),
    ("TJ", 1325, "Tajikistan", "Asia/Dushanbe"),
    ("TK", 1326, "Tokelau", "Pacific/Fakaofo"),
    ("TL", 1327, "Timor-Leste", "Asia/Dili"),
    ("TM", 1328, "Turkmenistan", "Asia/Ashgabat"),
    ("TN", 1329, "Tunisia", "Africa/Tunis"),
    ("TO", 1330, "Tonga", "Pacific/Tongatapu"),
    ("TR", 1331, "Türkiye", "Europe/Istanbul"),
    ("TT", 1332, "Trinidad & Tobago", "America/Port_of_Spain"),
    ("TV", 1333, "Tuvalu", "Pacific/Funafuti"),
    ("TW", 1334, "Taiwan", "Asia/Taipei"),
    ("TZ", 1335, "Tanzania", "Africa/Dar_es_Salaam"),
    ("UA", 1336, "Ukraine", "Europe/Kyiv"),
    ("UG", 1337, "Uganda", "Africa/Kampala"),
    ("UM", 1338, "U.S. Outlying Islands", "Pacific/Midway"),
    ("US", 1339, "United States", "America/New_York"),
    ("US-AK", 1340, "United States (Alaska)", "America/Anchorage"),
    ("US-AL", 1341, "United States (Alabama)", "America/Chicago"),
    ("US-AR", 1342, "United States (Arkansas)", "America/Chicago"),
    ("US-AZ", 1343, "United States (Arizona)", "America/Phoenix"),
    ("US-CA", 425, "United States (California)", "America/Los_Angeles"),
    ("US-CO", 1344, "United States (Colorado)", "America/Denver"),
    ("US-CT", 1345, "United States (Connecticut)", "America/New_York"),
    ("US-DC", 1346, "United States (District of Columbia)", "America/New_York"),
    ("US-DE", 1347, "United States (Delaware)", "America/New_York"),
    ("US-FL", 1348, "United States (Florida)", "America/New_York"),
    ("US-GA", 1349, "United States (Georgia)", "America/New_York"),
    ("US-HI", 433, "United States (Hawaii)", "Pacific/Honolulu"),
    ("US-IA", 1350, "United States (Iowa)", "America/Chicago"),
    ("US-ID", 1351, "United States (Idaho)", "America/Boise"),
    ("US-IL", 1352, "United States (Illinois)", "America/Chicago"),
    ("US-IN", 1353, "United States (Indiana)", "America/Indiana/Indianapolis"),
    ("US-KS", 1354, "United States (Kansas)", "America/Chicago"),
    ("US-KY", 1355, "United States (Kentucky)", "America/Kentucky/Louisville"),
    ("US-LA", 1356, "United States (Louisiana)", "America/Chicago"),
    ("US-MA", 1357, "United States (Massachusetts)", "America/New_York"),
    ("US-MD", 1358, "United States (Maryland)", "America/New_York"),
    ("US-ME", 1359, "United States (Maine)", "America/New_York"),
    ("US-MI", 1360, "United States (Michigan)", "America/Detroit"),
    ("US-MN", 1361, "United States (Minnesota)", "America/Chicago"),
    ("US-MO", 1362, "United States (Missouri)", "America/Chicago"),
    ("US-MS", 1363, "United States (Mississippi)", "America/Chicago"),
    ("US-MT", 1364, "United States (Montana)", "America/Denver"),
    ("US-NC", 1365, "United States (North Carolina)", "America/New_York"),
    ("US-ND", 1366, "United States (North Dakota)", "America/Chicago"),
    ("US-NE", 1367, "United States (Nebraska)", "America/Chicago"),
    ("US-NH", 1368, "United States (New Hampshire)", "America/New_York"),
    ("US-NJ", 1369, "United States (New Jersey)", "America/New_York"),
    ("US-NM", 1370, "United States (New Mexico)", "America/Denver"),
    ("US-NV", 1371, "United States (Nevada)", "America/Los_Angeles"),
    ("US-NY", 460, "United States (New York)", "America/New_York"),
    ("US-OH", 1372, "United States (Ohio)", "America/New_York"),
    ("US-OK", 1373, "United States (Oklahoma)", "America/Chicago"),
    ("US-OR", 1374, "United States (Oregon)", "America/Los_Angeles"),
    ("US-PA", 1375, "United States (Pennsylvania)", "America/New_York"),
    ("US-RI", 1376, "United States (Rhode Island)", "America/New_York"),
    ("US-SC", 1377, "United States (South Carolina)", "America/New_York"),
    ("US-SD", 1378, "United States (South Dakota)", "America/Chicago"),
    ("US-TN", 1379, "United States (Tennessee)", "America/Chicago"),
    ("US-TX", 1380, "United States (Texas)", "America/Chicago"),
    ("US-UT", 1381, "United States (Utah)", "America/Denver"),
    ("US-VA", 1382, "United States (Virginia)", "America/New_York"),
    ("US-VT", 1383, "United States (Vermont)", "America/New_York"),
    ("US-WA", 1384, "United States (Washington)", "America/Los_Angeles"),
    ("US-WI", 1385, "United States (Wisconsin)", "America/Chicago"),
    ("US-WV", 1386, "United States (West Virginia)", "America/New_York"),
    ("US-WY", 1387, "United States (Wyoming)", "America/Denver"),
    ("UY", 1388, "Uruguay", "America/Montevideo"),
    ("UZ", 1389, "Uzbekistan", "Asia/Tashkent"),
    ("VA", 1390, "Vatican City", "Europe/Vatican"),
    ("VC", 1391, "St. Vincent & Grenadines", "America/St_Vincent"),
    ("VE", 1392, "Venezuela", "America/Caracas"),
    ("VG", 1393, "British Virgin Islands", "America/Tortola"),
    ("VI", 1394, "U.S. Virgin Islands", "America/St_Thomas"),
    ("VN", 1395, "Vietnam", "Asia/Ho_Chi_Minh"),
    ("VU", 1396, "Vanuatu", "Pacific/Efate"),
    ("WF", 1397, "Wallis & Futuna", "Pacific/Wallis"),
    ("WS", 1398, "Samoa", "Pacific/Apia"),
    ("YE", 1399, "Yemen", "Asia/Aden"),
    ("YT", 1400, "Mayotte", "Indian/Mayotte"),
    ("ZA", 1401, "South Africa", "Africa/Johannesburg"),
    ("ZM", 1402, "Zambia", "Africa/Lusaka"),
    ("ZW", 1403, "Zimbabwe", "Africa/Harare"),
)

LOCATIONS: Final[tuple[TimeZoneLocation, ...]] = tuple(TimeZoneLocation(*row) for row in _ROWS)
_BY_CODE: Final[dict[str, TimeZoneLocation]] = {loc.code: loc for loc in LOCATIONS}
_BY_ID: Final[dict[int, TimeZoneLocation]] = {loc.location_id: loc for loc in LOCATIONS}
_BY_IANA: Final[dict[str, TimeZoneLocation]] = {}
for _loc in LOCATIONS:
    # Countries come before their regions, so an IANA name maps to the country row.
    _BY_IANA.setdefault(_loc.iana, _loc)
del _loc

_UTC_CODE: Final = "UTC"
_INCLUDE_OFFSET: Final = "includetzoffset"


class UnknownTimeZone(ValueError):
    """The ``SO-TimeZone`` header (or a configured zone) names no known zone or option."""

    def __init__(self, text: str) -> None:
        super().__init__(f"Unknown time zone: {text!r}")
        self.text = text


@dataclass(frozen=True, slots=True)
class TimeZoneRequest:
    """The zone dates of one request are read and written in."""

    zone: ZoneInfo
    code: str
    location_id: int
    include_offset: bool
    explicit: bool  # the client named a zone; False = the server's base zone


def location_by_code(code: str) -> TimeZoneLocation | None:
    """The location for a SuperOffice code (case-insensitive), or None."""
    return _BY_CODE.get(code.strip().upper())


def location_by_id(location_id: int) -> TimeZoneLocation | None:
    """The location for a SuperOffice location id, or None."""
    return _BY_ID.get(location_id)


def _find(code_or_id: str) -> TimeZoneLocation | None:
    # isdigit() alone also accepts digits like "²" that int() rejects.
    if code_or_id.isascii() and code_or_id.isdigit():
        return _BY_ID.get(int(code_or_id))
    return _BY_CODE.get(code_or_id.upper())


def _request(loc: TimeZoneLocation, *, include_offset: bool, explicit: bool) -> TimeZoneRequest:
    return TimeZoneRequest(ZoneInfo(loc.iana), loc.code, loc.location_id, include_offset, explicit)


def base_zone(code_or_iana: str = _UTC_CODE) -> TimeZoneRequest:
    """The server's base zone from a SuperOffice code, a location id or an IANA name."""
    name = code_or_iana.strip()
    loc = _find(name) or _BY_IANA.get(name)
    if loc is not None:
        return _request(loc, include_offset=False, explicit=False)
    try:
        zone = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(code_or_iana) from None
    # An IANA zone without a SuperOffice location: it has no id, so 0 (never a real id).
    return TimeZoneRequest(zone, name, 0, include_offset=False, explicit=False)


_UTC: Final = base_zone(_UTC_CODE)


def parse_so_timezone(header: str | None, base: TimeZoneRequest) -> TimeZoneRequest:
    """Read ``SO-TimeZone: <code|id>[, includeTZOffset]``; no header means ``base``."""
    if header is None or not header.strip():
        return base
    return _parse_so_timezone(header, base)


@lru_cache(maxsize=256)
def _parse_so_timezone(header: str, base: TimeZoneRequest) -> TimeZoneRequest:
    # Cached: clients send the same one or two header values on every call.
    loc: TimeZoneLocation | None = None
    include_offset = False
    # Docs write "NO, includeTZOffset", the TS client "UTC,includeTZOffset".
    for raw in header.split(","):
        part = raw.strip()
        if not part:
            continue
        if part.casefold() == _INCLUDE_OFFSET:
            include_offset = True
            continue
        found = _find(part)
        if found is None or loc is not None:  # unknown, or a second zone
            raise UnknownTimeZone(part)
        loc = found
    # A server default for offsets is not switched off by a header that omits the option.
    include_offset = include_offset or base.include_offset
    if loc is None:  # "includeTZOffset" alone (or only commas): the base zone
        return base if include_offset == base.include_offset else replace(base, include_offset=include_offset)
    return _request(loc, include_offset=include_offset, explicit=True)


_UNSET: Final = "0001-01-01T00:00:00"
_UNSET_WITH_OFFSET: Final = _UNSET + "Z"


@lru_cache(maxsize=128)
def _offset_suffix(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    hours, rest = divmod(abs(seconds), 3600)
    # Historical local-mean-time offsets have seconds; the wire format stops at minutes.
    return f"{'-' if seconds < 0 else '+'}{hours:02d}:{rest // 60:02d}"


def format_minute(value: datetime | None, tz: TimeZoneRequest) -> str:
    """A date as people read it in a transcript: ``yyyy-MM-dd HH:mm`` in the request's zone
    (decisions.md 31); empty when unset."""
    if value is None or value.year == 1 or value.tzinfo is None:
        return ""
    try:
        local = value.astimezone(tz.zone)
    except OverflowError:
        local = value.astimezone(UTC)
    return local.strftime("%Y-%m-%d %H:%M")


def format_datetime(value: datetime | None, tz: TimeZoneRequest) -> str:
    """Write a UTC-aware datetime as SuperOffice does: ``yyyy-MM-ddTHH:mm:ss[.fffffff][offset]``."""
    # Runs for every date of every response: stays on C-level datetime methods.
    if value is None or value.year == 1:
        return _UNSET_WITH_OFFSET if tz.include_offset else _UNSET
    if value.tzinfo is None:
        raise ValueError(f"format_datetime needs an aware datetime, got {value!r}")
    try:
        local = value.astimezone(tz.zone)
    except OverflowError:
        # Only within a day of datetime.min/max; UTC is the one zone that always fits.
        local = value.astimezone(UTC)
        tz = replace(_UTC, include_offset=tz.include_offset)
    text = local.isoformat()
    # isoformat() gives "yyyy-mm-ddThh:mm:ss" (19 chars) plus ".ffffff" when
    # microseconds are set; .NET writes 7 fractional digits.
    head = text[:26] + "0" if local.microsecond else text[:19]
    if not tz.include_offset:
        return head
    if tz.code == _UTC_CODE:
        return head + "Z"
    offset = local.utcoffset()
    assert offset is not None  # astimezone() always yields an aware value
    return head + _offset_suffix(offset)


_DATETIME_RE: Final = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})"
    r"(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,7}))?)?"
    r"(?P<offset>Z|[+-]\d{2}(?::?\d{2})?)?)?",
    re.ASCII | re.IGNORECASE,
)


def parse_datetime(text: str, tz: TimeZoneRequest) -> datetime | None:
    """Read a client's date as UTC; None for SuperOffice's unset date (any year-1 value).

    Accepts ``yyyy-MM-dd[Thh:mm[:ss[.f{1,7}]][Z|+hh:mm|+hhmm|+hh]]``. A value without an
    offset is a local time in ``tz.zone``; a date alone is its midnight. Local times are
    resolved with PEP 495 ``fold=0``: an ambiguous time (the repeated hour when clocks go
    back) is the earlier instant, and a time that does not exist (the skipped hour when
    clocks go forward) is read with the offset from before the change, which lands it
    one gap later (Oslo 02:30 on 2024-03-31 -> 01:30Z = 03:30 local).
    """
    match = _DATETIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"Invalid date {text!r}: expected ISO 8601 such as 2024-01-02T10:11:12.000Z")
    fraction = match["fraction"] or ""
    try:
        naive = datetime(
            int(match["year"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"] or 0),
            int(match["minute"] or 0),
            int(match["second"] or 0),
            # A 7th digit (100 ns) is below datetime's resolution: dropped, not rounded.
            int(fraction[:6].ljust(6, "0")),
        )
    except ValueError as exc:
        raise ValueError(f"Invalid date {text!r}: {exc}") from None
    if naive.year == 1:
        return None
    offset = match["offset"]
    if offset is None:
        local = naive.replace(tzinfo=tz.zone)
    elif offset in ("Z", "z"):
        return naive.replace(tzinfo=UTC)
    else:
        digits = offset[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"Invalid date {text!r}: offset {offset} out of range")
        delta = timedelta(hours=hours, minutes=minutes)
        local = naive.replace(tzinfo=timezone(-delta if offset[0] == "-" else delta))
    try:
        return local.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"Invalid date {text!r}: out of range in UTC") from None


_WEEKDAYS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBERS: Final = {name.lower(): number for number, name in enumerate(_MONTHS, 1)}
_TIME: Final = r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
_HTTP_FLAGS: Final = re.ASCII | re.IGNORECASE
_HTTP_DATE_RES: Final = (
    # RFC 1123 (what Date.toUTCString() sends): "Fri, 31 Jan 2020 23:00:00 GMT"
    re.compile(
        rf"[a-z]{{3}}, (?P<day>\d{{2}}) (?P<month>[a-z]{{3}}) (?P<year>\d{{4}}) {_TIME} GMT", _HTTP_FLAGS
    ),
    # RFC 850: "Friday, 31-Jan-20 23:00:00 GMT"
    re.compile(
        rf"[a-z]{{6,9}}, (?P<day>\d{{2}})-(?P<month>[a-z]{{3}})-(?P<year>\d{{2}}) {_TIME} GMT", _HTTP_FLAGS
    ),
    # asctime: "Fri Jan 31 23:00:00 2020" (day padded with a space)
    re.compile(rf"[a-z]{{3}} (?P<month>[a-z]{{3}}) (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})", _HTTP_FLAGS),
)


def format_http_date(dt: datetime) -> str:
    """An aware datetime as an RFC 1123 HTTP date ("Fri, 31 Jan 2020 23:00:00 GMT")."""
    if dt.tzinfo is None:
        raise ValueError(f"format_http_date needs an aware datetime, got {dt!r}")
    utc = dt.astimezone(UTC)
    # Not strftime: %a and %b follow the process locale.
    return (
        f"{_WEEKDAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year:04d} "
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d} GMT"
    )


def parse_http_date(text: str | None) -> datetime | None:
    """An HTTP date (RFC 1123, RFC 850 or asctime) as UTC; None when absent or invalid."""
    if not text:
        return None
    value = text.strip()
    for pattern in _HTTP_DATE_RES:
        match = pattern.fullmatch(value)
        if match is not None:
            break
    else:
        return None
    month = _MONTH_NUMBERS.get(match["month"].lower())
    if month is None:
        return None
    year = int(match["year"])
    if year < 100:
        # RFC 9110: a two-digit year more than 50 years ahead is in the past century.
        this_year = datetime.now(UTC).year
        year += this_year - this_year % 100
        if year > this_year + 50:
            year -= 100
    try:
        return datetime(
            year,
            month,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=UTC,
        )
    except ValueError:
        return None
