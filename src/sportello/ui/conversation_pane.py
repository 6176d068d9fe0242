"""Left pane: search box, list filters, the conversation list and the search results."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sportello.client.records import SearchHit
from sportello.client.state import ClientState
from sportello.ui import theme
from sportello.ui.conversation_delegate import ConversationDelegate
from sportello.ui.conversation_model import (
    ConversationFilter,
    ConversationFilterProxy,
    ConversationListModel,
    ConversationRole,
)
from sportello.ui.search_model import HIT_ROLE, SearchHitDelegate, SearchResultsModel

SEARCH_DEBOUNCE_MS = 300
MIN_QUERY = 2


class SearchLineEdit(QLineEdit):
    escape_pressed = Signal()
    down_pressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.escape_pressed.emit()
            return
        if event.key() == Qt.Key.Key_Down:
            self.down_pressed.emit()
            return
        super().keyPressEvent(event)


class ConversationPane(QWidget):
    """Emits `conversation_chosen(id)` when the operator moves to a conversation."""

    conversation_chosen = Signal(str)
    conversation_activated = Signal(str)  # Enter / double click: go and reply
    search_requested = Signal(str)

    def __init__(self, state: ClientState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Conversations"))
        self._state = state
        self.model = ConversationListModel(state, self)
        self.proxy = ConversationFilterProxy(state, self)
        self._current_id: str | None = None

        self.search = SearchLineEdit(self)
        self.search.setAccessibleName(self.tr("Search messages, contacts and tickets"))
        self.search.setPlaceholderText(self.tr("Search (Ctrl+K)"))
        self.search.setClearButtonEnabled(True)
        for button in self.search.findChildren(QToolButton):
            button.setAccessibleName(self.tr("Clear search"))
        self.search.setMinimumHeight(30)

        self.filter_group = QButtonGroup(self)
        self.filter_group.setExclusive(True)
        filters = QHBoxLayout()
        filters.setSpacing(4)
        names = {
            ConversationFilter.ALL: self.tr("&All"),
            ConversationFilter.UNREAD: self.tr("U&nread"),
            ConversationFilter.OPEN_TICKETS: self.tr("&Open"),
            ConversationFilter.URGENT: self.tr("Ur&gent"),
            ConversationFilter.MINE: self.tr("&Mine"),
        }
        descriptions = {
            ConversationFilter.ALL: self.tr("Show all conversations"),
            ConversationFilter.UNREAD: self.tr("Show conversations with unread messages"),
            ConversationFilter.OPEN_TICKETS: self.tr("Show conversations with an open ticket"),
            ConversationFilter.URGENT: self.tr("Show conversations with an urgent open ticket"),
            ConversationFilter.MINE: self.tr("Show conversations whose ticket is assigned to me"),
        }
        self.filter_buttons: dict[ConversationFilter, QToolButton] = {}
        for mode, name in names.items():
            button = QToolButton(self)
            button.setText(name)
            button.setCheckable(True)
            button.setAccessibleName(descriptions[mode])
            button.setToolTip(descriptions[mode])
            button.setObjectName("filterButton")
            self.filter_group.addButton(button, int(mode))
            self.filter_buttons[mode] = button
            filters.addWidget(button)
        filters.addStretch(1)
        self.setStyleSheet(
            "QToolButton#filterButton { padding: 3px 10px; border: 1px solid #cfd5db;"
            " border-radius: 11px; background: #ffffff; color: #39424b; }"
            "QToolButton#filterButton:hover { background: #f2f5f8; }"
            "QToolButton#filterButton:focus { border-color: #4a90d9; }"
            f"QToolButton#filterButton:checked {{ background: {theme.ACCENT.name()};"
            f" border-color: {theme.ACCENT.name()}; color: #ffffff; }}"
        )
        self.filter_buttons[ConversationFilter.ALL].setChecked(True)
        self.filter_group.idClicked.connect(lambda i: self.set_filter(ConversationFilter(i)))

        self.list_view = QListView(self)
        self.list_view.setObjectName("conversationList")
        self.list_view.setAccessibleName(self.tr("Conversation list"))
        self.list_view.setItemDelegate(ConversationDelegate(self.list_view))
        self.list_view.setUniformItemSizes(True)  # fixed-height rows: no measuring 10,000 rows
        # Every move (a new message) relayouts the list, and Qt asks the model about each of
        # 10,000 rows to do it: in batches the visible top comes first and a burst of
        # incoming messages never stalls one frame on the whole list.
        self.list_view.setLayoutMode(QListView.LayoutMode.Batched)
        self.list_view.setBatchSize(500)
        self.list_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list_view.setMouseTracking(True)
        self.list_view.setFrameShape(QListView.Shape.NoFrame)
        self.list_view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.list_view.activated.connect(self._activated)
        self._set_list_model(self.model)

        self.search_model = SearchResultsModel(self)
        self.results_view = QListView(self)
        self.results_view.setAccessibleName(self.tr("Search results"))
        self.results_view.setModel(self.search_model)
        self.results_view.setItemDelegate(SearchHitDelegate(self.results_view))
        self.results_view.setFrameShape(QListView.Shape.NoFrame)
        self.results_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.results_view.activated.connect(self._hit_activated)
        self.results_view.clicked.connect(self._hit_activated)
        self.search_status = QLabel(self)
        self.search_status.setAccessibleName(self.tr("Search status"))
        self.search_status.setWordWrap(True)
        self.search_status.setStyleSheet(f"color: {theme.TEXT_MUTED.name()}; padding: 4px 12px;")
        results_page = QWidget(self)
        results_layout = QVBoxLayout(results_page)
        results_layout.setContentsMargins(0, 0, 0, 0)
        results_layout.addWidget(self.search_status)
        results_layout.addWidget(self.results_view, 1)

        self.empty_label = QLabel(self)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.empty_label.setStyleSheet(f"color: {theme.TEXT_MUTED.name()}; padding: 24px;")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.list_view)
        self.stack.addWidget(results_page)

        top = QVBoxLayout()
        top.setContentsMargins(10, 10, 10, 6)
        top.setSpacing(8)
        top.addWidget(self.search)
        top.addLayout(filters)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._search_now)
        self.search.textChanged.connect(self._query_changed)
        self.search.returnPressed.connect(self._search_now)
        self.search.escape_pressed.connect(self.leave_search)
        self.search.down_pressed.connect(self._focus_results)

    # ---- list model and filters ---------------------------------------------------------

    def _set_list_model(self, model: ConversationListModel | ConversationFilterProxy) -> None:
        self.list_view.setModel(model)
        self.list_view.selectionModel().currentChanged.connect(self._current_changed)
        if self._current_id is not None:
            self.select_conversation(self._current_id, emit=False)

    @property
    def filter_mode(self) -> ConversationFilter:
        return self.proxy.mode if self.list_view.model() is self.proxy else ConversationFilter.ALL

    def set_filter(self, mode: ConversationFilter) -> None:
        self.filter_buttons[mode].setChecked(True)
        if mode is ConversationFilter.ALL:
            # The unfiltered list bypasses the proxy, so moves cost nothing extra.
            self._set_list_model(self.model)
            self.proxy.setSourceModel(None)  # type: ignore[arg-type]
            self.proxy.set_mode(mode)
            return
        self.proxy.set_mode(mode)
        if self.proxy.sourceModel() is not self.model:
            self.proxy.setSourceModel(self.model)
        self._set_list_model(self.proxy)

    def visible_ids(self) -> list[str]:
        model = self.list_view.model()
        return [model.index(r, 0).data(ConversationRole.ID) for r in range(model.rowCount())]

    # ---- selection ----------------------------------------------------------------------

    @property
    def current_id(self) -> str | None:
        return self._current_id

    def _view_index(self, conversation_id: str) -> QModelIndex:
        row = self.model.row_of(conversation_id)
        if row is None:
            return QModelIndex()
        index = self.model.index(row, 0)
        if self.list_view.model() is self.proxy:
            return self.proxy.mapFromSource(index)
        return index

    def select_conversation(self, conversation_id: str, emit: bool = True) -> None:
        index = self._view_index(conversation_id)
        if not emit:
            self._current_id = conversation_id
        if index.isValid():
            self.list_view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.list_view.scrollTo(index)
        elif emit:
            self._choose(conversation_id)

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        conversation_id = current.data(ConversationRole.ID) if current.isValid() else None
        if conversation_id and conversation_id != self._current_id:
            self._choose(conversation_id)

    def _choose(self, conversation_id: str) -> None:
        self._current_id = conversation_id
        self.conversation_chosen.emit(conversation_id)

    def _activated(self, index: QModelIndex) -> None:
        conversation_id = index.data(ConversationRole.ID)
        if conversation_id:
            if conversation_id != self._current_id:
                self._choose(conversation_id)
            self.conversation_activated.emit(conversation_id)

    def step(self, delta: int) -> None:
        """Move to the previous (-1) or next (+1) conversation of the visible list."""
        model = self.list_view.model()
        if model.rowCount() == 0:
            return
        current = self.list_view.currentIndex()
        row = current.row() + delta if current.isValid() else 0
        row = max(0, min(model.rowCount() - 1, row))
        self.list_view.setCurrentIndex(model.index(row, 0))

    def next_unread(self) -> bool:
        """Go to the next conversation with unread messages (wrapping); False if none."""
        rows = self._state.conversations
        start = self.model.row_of(self._current_id) if self._current_id else None
        n = len(rows)
        begin = (start + 1) if start is not None else 0
        for step in range(n):
            conv = rows[(begin + step) % n]
            if conv.unread_count and conv.id != self._current_id:
                if (
                    self.filter_mode is not ConversationFilter.ALL
                    and not self._view_index(conv.id).isValid()
                ):
                    self.set_filter(ConversationFilter.ALL)
                self.select_conversation(conv.id)
                return True
        return False

    # ---- search -------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _query_changed(self, text: str) -> None:
        if len(text.strip()) < MIN_QUERY:
            self._debounce.stop()
            self.stack.setCurrentIndex(0)
            return
        self._debounce.start()

    def _search_now(self) -> None:
        self._debounce.stop()
        query = self.search.text().strip()
        if len(query) < MIN_QUERY:
            return
        self.search_status.setText(self.tr("Searching…"))
        self.stack.setCurrentIndex(1)
        self.search_requested.emit(query)

    def show_hits(self, query: str, hits: list[SearchHit]) -> None:
        if query != self.search.text().strip():
            return  # an older answer arrived after the operator typed more
        self.search_model.set_hits(hits)
        if hits:
            self.search_status.setText(
                self.tr("%n result(s). Enter opens the conversation.", "", len(hits))
            )
        else:
            self.search_status.setText(
                self.tr("Nothing found for \u201c%1\u201d.").replace("%1", query)
            )

    def show_search_error(self, message: str) -> None:
        self.search_model.set_hits([])
        self.search_status.setText(message)
        self.stack.setCurrentIndex(1)

    @property
    def searching(self) -> bool:
        return self.stack.currentIndex() == 1

    def leave_search(self) -> None:
        self.search.clear()
        self.stack.setCurrentIndex(0)
        self.list_view.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _focus_results(self) -> None:
        view = self.results_view if self.searching else self.list_view
        view.setFocus(Qt.FocusReason.TabFocusReason)
        if not view.currentIndex().isValid() and view.model().rowCount():
            view.setCurrentIndex(view.model().index(0, 0))

    def _hit_activated(self, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE)
        if isinstance(hit, SearchHit) and hit.conversation_id:
            self.select_conversation(hit.conversation_id)
            self.conversation_activated.emit(hit.conversation_id)
