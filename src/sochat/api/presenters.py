"""Domain objects → wire carriers, in the caller's time zone, language and rights.

Nested summaries (User, Person, Contact, ...) carry a Select-only TableRight and an
empty FieldProperties, as NetServer's nested associates do; only the top-level carrier
gets the full FieldProperties table.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TypeVar

from sochat.api import carriers as c
from sochat.api.context import RequestContext
from sochat.api.fieldprops import field_properties, table_right
from sochat.api.timespan import format_timespan
from sochat.api.timezones import format_datetime, location_by_id
from sochat.domain import crm
from sochat.domain.enums import CHAT_SESSION_FLAGS, WIDGET_REQUIRED_FIELDS, enum_name
from sochat.domain.message import ChatMessage
from sochat.domain.rights import RowRight
from sochat.domain.session import ChatSession
from sochat.domain.topic import WEEKDAYS, ChatTopic, ListRef, OpeningHours, TopicFlag, WidgetSettings
from sochat.services.topics import PresenceView
from sochat.services.views import NO_LINKS, Links, MemberView, SessionView, TopicView

NESTED_RIGHT = c.TableRight(Mask="Select", Reason="")
T = TypeVar("T")


def _get(mapping: Mapping[int, T], key: int | None) -> T | None:
    return mapping.get(key) if key else None


class Presenter:
    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    def date(self, value: datetime | None) -> str:
        return format_datetime(value, self.ctx.tz)

    # -- nested summaries ---------------------------------------------------

    def associate(self, a: crm.Associate | None) -> c.Associate | None:
        if a is None:
            return None
        return c.Associate(
            AssociateId=a.associate_id,
            Name=a.name,
            PersonId=a.person_id,
            Rank=a.rank,
            Tooltip=a.tooltip,
            Type=enum_name(a.type),
            GroupIdx=a.group_idx,
            FullName=a.full_name,
            FormalName=a.formal_name,
            Deleted=a.deleted,
            EjUserId=a.ej_user_id,
            UserName=a.user_name,
            ExtraFields=dict(a.extra_fields),
            CustomFields=dict(a.extra_fields),
            TableRight=NESTED_RIGHT,
        )

    def person(self, p: crm.Person | None, links: Links) -> c.Person | None:
        if p is None:
            return None
        contact = links.contacts.get(p.contact_id)
        owner = links.associates.get(p.associate_id)
        return c.Person(
            Position=p.position,
            PersonId=p.person_id,
            Mrmrs=p.mrmrs,
            Firstname=p.firstname,
            Lastname=p.lastname,
            MiddleName=p.middle_name,
            Title=p.title,
            Description=p.description,
            Email=p.email,
            FullName=p.full_name,
            DirectPhone=p.direct_phone,
            FormalName=p.formal_name,
            CountryId=p.country_id,
            ContactId=p.contact_id,
            ContactName=contact.name if contact else "",
            Retired=1 if p.retired else 0,
            Rank=p.rank,
            ContactDepartment=contact.department if contact else "",
            ContactCountryId=contact.country_id if contact else 0,
            ContactOrgNr=contact.org_nr if contact else "",
            FaxPhone=p.fax_phone,
            MobilePhone=p.mobile_phone,
            ContactPhone=contact.direct_phone if contact else "",
            AssociateName=owner.name if owner else "",
            AssociateId=p.associate_id,
            UsePersonAddress=p.use_person_address,
            ContactFax=contact.fax if contact else "",
            Kanafname=p.kanafname,
            Kanalname=p.kanalname,
            Post1=p.post1,
            Post2=p.post2,
            Post3=p.post3,
            EmailName=p.email_name,
            ContactFullName=contact.full_name if contact else "",
            TicketPriorityId=p.ticket_priority_id,
            SupportLanguageId=p.support_language_id,
            SupportAssociateId=p.support_associate_id,
            CategoryName=p.category_name,
            PersonNumber=p.person_number,
            TableRight=NESTED_RIGHT,
        )

    def contact(self, k: crm.Contact | None, links: Links) -> c.Contact | None:
        if k is None:
            return None
        owner = links.associates.get(k.associate_id)
        formatted = "\n".join(p for p in (k.address1, f"{k.zipcode} {k.city}".strip()) if p)
        street = c.StructuredAddress(
            AtypeIdx="ContactStreetAddress",
            Address1=k.address1,
            City=k.city,
            Zipcode=k.zipcode,
            Formatted=formatted,
        )
        return c.Contact(
            ContactId=k.contact_id,
            Name=k.name,
            OrgNr=k.org_nr,
            Department=k.department,
            URL=k.url,
            City=k.city,
            DirectPhone=k.direct_phone,
            AssociateId=k.associate_id,
            CountryId=k.country_id,
            EmailAddress=k.email_address,
            Kananame=k.kananame,
            EmailAddressName=k.email_address_name,
            URLName=k.url_name,
            AssociateFullName=owner.full_name if owner else "",
            BusinessName=k.business_name,
            CategoryName=k.category_name,
            CountryName=k.country_name,
            Address=c.Address(Street=street, Postal=None, Formatted=formatted, TableRight=NESTED_RIGHT),
            FormattedAddress=formatted,
            FullName=k.full_name,
            IsOwnerContact=k.is_owner_contact,
            Number1=k.number1,
            Number2=k.number2,
            TableRight=NESTED_RIGHT,
        )

    def project(self, p: crm.Project | None, links: Links) -> c.Project | None:
        if p is None:
            return None
        owner = links.associates.get(p.associate_id)
        return c.Project(
            ProjectId=p.project_id,
            Name=p.name,
            Description=p.description,
            URL=p.url,
            Type=p.type_name,
            AssociateId=p.associate_id,
            AssociateFullName=owner.full_name if owner else "",
            TypeId=p.type_id,
            Updated=self.date(p.updated),
            StatusId=p.status_id,
            Status=p.status_name,
            TextId=p.text_id,
            PublishTo=self.date(p.publish_to),
            PublishFrom=self.date(p.publish_from),
            IsPublished=p.is_published,
            URLName=p.url_name,
            ProjectNumber=p.project_number,
            EventId=p.event_id,
            StartDate=self.date(p.start_date),
            TableRight=NESTED_RIGHT,
        )

    def sale(self, s: crm.Sale | None, links: Links) -> c.Sale | None:
        if s is None:
            return None
        contact = links.contacts.get(s.contact_id)
        project = links.projects.get(s.project_id)
        owner = links.associates.get(s.associate_id)
        person = links.persons.get(s.person_id)
        return c.Sale(
            ContactName=contact.name if contact else "",
            SaleDate=self.date(s.sale_date),
            SaleId=s.sale_id,
            Probability=s.probability,
            Title=s.title,
            Amount=s.amount,
            Currency=s.currency,
            ProjectName=project.name if project else "",
            AssociateFullName=owner.full_name if owner else "",
            Description=s.description,
            Status=enum_name(s.status),
            WeightedAmount=s.weighted_amount,
            ProjectId=s.project_id,
            EarningPercent=s.earning_percent,
            Earning=s.earning,
            ContactId=s.contact_id,
            AssociateId=s.associate_id,
            PersonId=s.person_id,
            SaleTypeId=s.sale_type_id,
            SaleTypeName=s.sale_type_name,
            PersonFullName=person.full_name if person else "",
            Completed=enum_name(s.completed),
            NextDueDate=self.date(s.next_due_date),
            Number=s.number,
            TableRight=NESTED_RIGHT,
        )

    def ticket(self, t: crm.Ticket | None, links: Links) -> c.Ticket | None:
        if t is None:
            return None
        person = links.persons.get(t.person_id)
        contact = links.contacts.get(t.contact_id)
        project = links.projects.get(t.project_id)
        sale = links.sales.get(t.sale_id)
        creator = links.associates.get(t.created_by)
        owner = links.associates.get(t.owned_by)
        return c.Ticket(
            TicketId=t.ticket_id,
            Title=t.title,
            CreatedAt=self.date(t.created_at),
            LastChanged=self.date(t.last_changed),
            ReadByOwner=self.date(t.read_by_owner),
            ReadByCustomer=self.date(t.read_by_customer),
            FirstReadByUser=self.date(t.first_read_by_user),
            Activate=self.date(t.activate),
            ClosedAt=self.date(t.closed_at),
            RepliedAt=self.date(t.replied_at),
            AlertTimeout=self.date(t.alert_timeout),
            Deadline=self.date(t.deadline),
            CreatedBy=t.created_by,
            CreatedByName=creator.name if creator else "",
            Author=t.author,
            OwnedBy=t.owned_by,
            OwnedByName=owner.name if owner else "",
            Category=t.category_id,
            CategoryName=t.category_name,
            CategoryFullname=t.category_fullname,
            Slevel=enum_name(t.slevel),
            Priority=t.priority_id,
            PriorityName=t.priority_name,
            BaseStatus=enum_name(t.base_status),
            TicketStatus=t.ticket_status,
            TicketStatusDisplayValue=t.ticket_status_name,
            Origin=enum_name(t.origin),
            CustId=t.person_id or -1,
            PersonFirstname=person.firstname if person else "",
            PersonMiddleName=person.middle_name if person else "",
            PersonLastname=person.lastname if person else "",
            PersonFullname=person.full_name if person else "",
            AlertLevel=t.alert_level,
            ConnectId=t.connect_id,
            ReadStatus=enum_name(t.read_status),
            NumReplies=t.num_replies,
            NumMessages=t.num_messages,
            FromAddress=t.from_address,
            ContactId=t.contact_id,
            ContactName=contact.name if contact else "",
            OwnedByAssociateId=t.owned_by,
            Language=t.language,
            SaleId=t.sale_id,
            ProjectId=t.project_id,
            SaleHeading=sale.title if sale else "",
            ProjectName=project.name if project else "",
            TicketTypeId=t.ticket_type_id,
            TicketTypeName=t.ticket_type_name,
            TableRight=NESTED_RIGHT,
        )

    # -- chat carriers ------------------------------------------------------

    def session_view(self, view: SessionView) -> c.ChatSessionEntity:
        return self.chat_session(view.session, view.right, view.links, session_key=view.session_key)

    def session_with_links(self, view: SessionView) -> c.ChatSessionEntityWithLinks:
        entity = self.chat_session(
            view.session,
            view.right,
            view.links,
            cls=c.ChatSessionEntityWithLinks,
            session_key=view.session_key,
        )
        assert isinstance(entity, c.ChatSessionEntityWithLinks)
        base = f"{self.ctx.base_url}/api/v1/ChatSession"
        entity._Links = {"Self": f"{base}/{view.session.chat_session_id}", "Archive": base}
        return entity

    def chat_session(
        self,
        s: ChatSession,
        right: RowRight,
        links: Links = NO_LINKS,
        *,
        cls: type[c.ChatSessionEntity] = c.ChatSessionEntity,
        session_key: str = "",
    ) -> c.ChatSessionEntity:
        new_row = s.chat_session_id == 0
        return cls(
            ChatSessionId=s.chat_session_id,
            TopicId=s.topic_id,
            User=self.associate(_get(links.associates, s.user_id)),
            Person=self.person(_get(links.persons, s.person_id), links),
            CustomerAlias=s.customer_alias,
            CustomerHost=s.customer_host,
            CustomerName=s.customer_name,
            CustomerEmail=s.customer_email,
            CustomerPhone=s.customer_phone,
            CustomerConsented=s.customer_consented,
            CustomerCompanyName=s.customer_company_name,
            Status=enum_name(s.status),
            FirstMessage=s.first_message,
            LastMessage=s.last_message,
            WhenRequested=self.date(s.when_requested),
            WhenStarted=self.date(s.when_started),
            WhenEnded=self.date(s.when_ended),
            WhenIdle=self.date(s.when_idle),
            WhenFetched=self.date(s.when_fetched),
            # The key authenticates the visitor: only the answer that created the session
            # carries it (it is stored as a hash and cannot be shown again).
            SessionKey=session_key,
            InitialQueuePos=s.initial_queue_pos,
            AlertLevel=s.alert_level,
            Rank=s.rank,
            Flags=CHAT_SESSION_FLAGS.format(s.flags),
            Contact=self.contact(_get(links.contacts, s.contact_id), links),
            Project=self.project(_get(links.projects, s.project_id), links),
            Sale=self.sale(_get(links.sales, s.sale_id), links),
            Ticket=self.ticket(_get(links.tickets, s.ticket_id), links),
            TransferTo=self.associate(_get(links.associates, s.transfer_to_id)),
            ChatbotIsActive=s.chatbot_is_active,
            Rating=s.rating,
            TableRight=table_right(right, self.ctx.tr),
            FieldProperties=field_properties(c.ChatSessionEntity, right, new_row=new_row, tr=self.ctx.tr),
        )

    def chat_message(self, m: ChatMessage) -> c.ChatMessage:
        return c.ChatMessage(
            ChatMessageId=m.message_id,
            ChatSessionId=m.session_id,
            Type=enum_name(m.type),
            Message=m.message,
            Author=m.author,
            ReadByCustomer=1 if m.read_by_customer else 0,
            SpecialType=enum_name(m.special_type),
            SpecialParam=m.special_param,
            WhenPosted=self.date(m.when_posted),
        )

    # -- topics ---------------------------------------------------------------

    @staticmethod
    def _list_item(cls: type[c.ListItem], ref: ListRef | None) -> c.ListItem | None:
        if ref is None:
            return None
        return cls(Id=ref.id, Value=ref.value, Tooltip=ref.tooltip, TableRight=NESTED_RIGHT)

    def opening_hours(self, h: OpeningHours) -> c.ChatOpeningHours:
        values: dict[str, object] = {}
        for name, day in zip(WEEKDAYS, h.days, strict=True):
            values[f"{name}Enabled"] = day.enabled
            values[f"{name}Start"] = format_timespan(day.start)
            values[f"{name}Stop"] = format_timespan(day.stop)
        location = location_by_id(h.tz_location_id) if h.tz_location_id else None
        tz = (
            c.TimeZoneData(
                TZLocationID=location.location_id, Name=location.name, TZLocationCode=location.code
            )
            if location
            else None
        )
        return c.ChatOpeningHours(
            TzLocation=tz,
            UseLunchHours=h.use_lunch_hours,
            LunchStart=format_timespan(h.lunch_start),
            LunchStop=format_timespan(h.lunch_stop),
            **values,  # type: ignore[arg-type]
        )

    def widget(self, w: WidgetSettings) -> c.ChatWidgetSettings:
        kb = w.auto_faq_category
        return c.ChatWidgetSettings(
            AutoFaqEnabled=w.auto_faq_enabled,
            AutoFaqCategory=c.KbCategory(
                KbCategoryId=kb.id,
                Name=kb.name,
                Description=kb.description,
                Fullname=kb.fullname,
                ParentId=kb.parent_id,
                SortOrder=kb.sort_order,
            )
            if kb
            else None,
            PreFormEnabled=w.pre_form_enabled,
            PreFormMessage=w.pre_form_message,
            RequiredFields=WIDGET_REQUIRED_FIELDS.format(w.required_fields),
            PostFormEnabled=w.post_form_enabled,
            PostFormHeader=w.post_form_header,
            PostFormMessage=w.post_form_message,
            PostTranscriptEnabled=w.post_transcript_enabled,
            LanguageIsoCode=w.language_iso_code,
            Size=enum_name(w.size),
            Theme=enum_name(w.theme),
            Color=w.color,
            BadgeColor=w.badge_color,
            BadgeTextColor=w.badge_text_color,
            CustMsgColor=w.cust_msg_color,
            CustMsgTextColor=w.cust_msg_text_color,
            AgentMsgColor=w.agent_msg_color,
            AgentMsgTextColor=w.agent_msg_text_color,
            ButtonColor=w.button_color,
            ButtonTextColor=w.button_text_color,
            Font=w.font,
            FontSize=w.font_size,
            LogoEnabled=w.logo_enabled,
            LogoBlobId=w.logo_blob_id,
            LogoName=w.logo_name,
            ShowAgentPhoto=w.show_agent_photo,
            WelcomeTitle=w.welcome_title,
            WelcomeMessage=w.welcome_message,
            OfflineHeader=w.offline_header,
            OfflineMessage=w.offline_message,
            OfflineFields=WIDGET_REQUIRED_FIELDS.format(w.offline_fields),
            UseAgentFirstname=w.use_agent_firstname,
        )

    def chat_topic(
        self, view: TopicView, *, cls: type[c.ChatTopicEntity] = c.ChatTopicEntity
    ) -> c.ChatTopicEntity:
        t: ChatTopic = view.topic
        a = t.alert_template
        b = t.bot_settings
        return cls(
            ChatTopicId=t.topic_id,
            Name=t.name,
            Description=t.description,
            WelcomeMessage=t.welcome_message,
            Language=self._list_item(c.CustomerLanguage, t.language),  # type: ignore[arg-type]
            LastAccept=self.date(t.last_accept),
            SecondsPrAccept=t.seconds_pr_accept,
            AlertRecipient=t.alert_recipient,
            AlertTemplate=c.ReplyTemplate(
                ReplyTemplateId=a.id, Name=a.name, Description=a.description, FolderId=a.folder_id
            )
            if a
            else None,
            CollectConsent=t.has(TopicFlag.CollectConsent),
            BadgeHeader=t.badge_header,
            CustomQueueTextEnabled=t.has(TopicFlag.UseCustomQueueMessage),
            CustomQueueText=t.custom_queue_text,
            WarnNewChatMinutes=t.warn_new_chat_minutes,
            WarnManagerNewChatMinutes=t.warn_manager_new_chat_minutes,
            TicketEnabled=t.ticket_enabled,
            TicketCategory=self._list_item(c.TicketCategory, t.ticket_category),  # type: ignore[arg-type]
            TicketPriority=self._list_item(c.TicketPriority, t.ticket_priority),  # type: ignore[arg-type]
            OpeningHoursEnabled=t.opening_hours_enabled,
            OpeningHours=self.opening_hours(t.opening_hours),
            Widget=self.widget(t.widget),
            BotEnabled=t.bot_enabled,
            BotSettings=c.ChatBotSettings(
                BotName=b.bot_name,
                BotRegisterScriptId=b.bot_register_script_id,
                BotSessionCreatedScriptId=b.bot_session_created_script_id,
                BotSessionChangedScriptId=b.bot_session_changed_script_id,
                BotMessageReceivedScriptId=b.bot_message_received_script_id,
            ),
            OfflineCollectConsent=t.has(TopicFlag.OfflineCollectConsent),
            WarnChatMessageMinutes=t.warn_chat_message_minutes,
            WarnManagerChatMessageMinutes=t.warn_manager_chat_message_minutes,
            UseQueueOfflineForm=t.has(TopicFlag.UseQueueOfflineForm),
            OfflineFormTimeLimit=t.offline_form_time_limit,
            OfflineFormQueueLength=t.offline_form_queue_length,
            WidgetEnableRating=t.widget_enable_rating,
            WidgetRatingText=t.widget_rating_text,
            TableRight=table_right(view.right, self.ctx.tr),
            FieldProperties=field_properties(
                c.ChatTopicEntity, view.right, new_row=t.topic_id == 0, tr=self.ctx.tr
            ),
        )

    def topic_with_links(self, view: TopicView) -> c.ChatTopicEntityWithLinks:
        entity = self.chat_topic(view, cls=c.ChatTopicEntityWithLinks)
        assert isinstance(entity, c.ChatTopicEntityWithLinks)
        base = f"{self.ctx.base_url}/api/v1/ChatTopic"
        entity._Links = {"Self": f"{base}/{view.topic.topic_id}", "Archive": base}
        return entity

    def topic_agent(self, view: MemberView) -> c.ChatTopicAgent:
        m = view.membership
        return c.ChatTopicAgent(
            TopicId=m.topic_id,
            User=self.associate(view.associate),
            CanListen=m.can_listen,
            CanRespond=m.can_respond,
            CanManage=m.can_manage,
            CanNotify=m.can_notify,
        )

    def presence(self, view: PresenceView, right: RowRight) -> c.ChatPresence:
        a = view.associate
        return c.ChatPresence(
            UserId=a.associate_id,
            DisplayName=a.full_name or a.name,
            OngoingChats=view.ongoing_chats,
            Present=a.chat_present,
            ChatTopics=view.topic_ids,
            TableRight=table_right(right, self.ctx.tr),
            FieldProperties=field_properties(c.ChatPresence, right, new_row=False, tr=self.ctx.tr),
        )

    def mdo_item(self, a: crm.Associate) -> c.MDOListItem:
        return c.MDOListItem(
            Id=a.associate_id,
            Name=a.full_name or a.name,
            ToolTip=a.user_name,
            Deleted=a.deleted,
            Rank=a.rank,
            Type="chatuser",
            IconHint="present" if a.chat_present else "notpresent",
            ExtraInfo=a.user_name,
            FullName=a.full_name or a.name,
            TableRight=NESTED_RIGHT,
        )
