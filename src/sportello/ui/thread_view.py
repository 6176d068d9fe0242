"""The message list of the open conversation: lazy older pages, stable scroll, retry."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QGuiApplication, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QMenu, QWidget

from sportello.client.records import Message
from sportello.domain.values import DeliveryStatus
from sportello.ui import theme
from sportello.ui.thread_delegate import MessageDelegate
from sportello.ui.thread_model import ThreadModel

# Start loading the older page a little before the very top, so it is usually there in time.
LOAD_OLDER_THRESHOLD_PX = 200


class ThreadView(QListView):
    """Emits `older_wanted` near the top; keeps the reader's place when a page is prepended."""

    older_wanted = Signal()
    retry_requested = Signal(object)  # Message
    create_ticket_requested = Signal(object)  # Message

    def __init__(self, model: ThreadModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName(self.tr("Messages"))
        self.setObjectName("threadView")
        self._thread_model = model
        self._delegate = MessageDelegate(self)
        self._delegate.set_font(self.font())
        self._delegate.set_source(model)
        self.setModel(model)
        self.setItemDelegate(self._delegate)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setMouseTracking(False)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setStyleSheet(
            f"QListView#threadView {{ background: {theme.THREAD_BACKGROUND.name()}; }}"
        )
        self.verticalScrollBar().setSingleStep(24)
        self._loading_older = False
        self._distance_from_bottom: int | None = None
        self._stick_to_bottom = True
        model.rowsAboutToBeInserted.connect(self._before_insert)
        model.rowsInserted.connect(self._after_insert)
        model.modelReset.connect(self._after_reset)
        self.verticalScrollBar().rangeChanged.connect(self._range_changed)
        self.verticalScrollBar().valueChanged.connect(self._scrolled)

        self._retry_action = QAction(self.tr("Retry sending"), self)
        self._retry_action.setShortcut(QKeySequence("Ctrl+R"))
        self._retry_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._retry_action.triggered.connect(self._retry_current)
        self.addAction(self._retry_action)

    @property
    def message_delegate(self) -> MessageDelegate:
        return self._delegate

    # ---- older pages --------------------------------------------------------------------

    def set_loading_older(self, loading: bool) -> None:
        self._loading_older = loading
        if not loading and self._distance_from_bottom is None:
            # No position restore pending: if we are still at the top, fetch the next page.
            # (When one is pending, its setValue re-checks once the layout is done.)
            self._scrolled(self.verticalScrollBar().value())

    @property
    def loading_older(self) -> bool:
        return self._loading_older

    def _scrolled(self, value: int) -> None:
        bar = self.verticalScrollBar()
        self._stick_to_bottom = value >= bar.maximum() - 4
        if (
            value <= bar.minimum() + LOAD_OLDER_THRESHOLD_PX
            and self._thread_model.has_older
            and not self._loading_older
            and self._thread_model.rowCount() > 0
        ):
            self._loading_older = True
            self.older_wanted.emit()

    def _before_insert(self, parent: QModelIndex, first: int, last: int) -> None:
        bar = self.verticalScrollBar()
        if first == 0 and self._thread_model.rowCount() > 0:
            # Prepending: remember the distance from the bottom, which does not change.
            self._distance_from_bottom = bar.maximum() - bar.value()

    def _after_insert(self, parent: QModelIndex, first: int, last: int) -> None:
        if self._distance_from_bottom is None and self._stick_to_bottom:
            self.scrollToBottom()

    def _range_changed(self, minimum: int, maximum: int) -> None:
        bar = self.verticalScrollBar()
        if self._distance_from_bottom is not None:
            bar.setValue(maximum - self._distance_from_bottom)
            self._distance_from_bottom = None
        elif self._stick_to_bottom:
            bar.setValue(maximum)

    def _after_reset(self) -> None:
        self._distance_from_bottom = None
        self._loading_older = False
        self._stick_to_bottom = True
        self.scrollToBottom()

    def scroll_to_message(self, message_id: str) -> None:
        row = self._thread_model.row_of(message_id)
        if row is not None:
            self._stick_to_bottom = False
            self.scrollTo(
                self._thread_model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop
            )

    # ---- width-dependent heights --------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        at_bottom = self._stick_to_bottom
        if self._delegate.set_viewport_width(self.viewport().width()):
            self.scheduleDelayedItemsLayout()
        super().resizeEvent(event)
        if at_bottom:
            self.scrollToBottom()

    # ---- retry and context menu ---------------------------------------------------------

    def current_message(self) -> Message | None:
        index = self.currentIndex()
        return self._thread_model.message_at(index.row()) if index.isValid() else None

    def _retry_current(self) -> None:
        message = self.current_message()
        if message is not None and message.status is DeliveryStatus.FAILED:
            self.retry_requested.emit(message)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if event.reason() == QContextMenuEvent.Reason.Keyboard:
            index = self.currentIndex()
            pos = self.visualRect(index).center() if index.isValid() else QPoint(10, 10)
        else:
            pos = event.pos()
            index = self.indexAt(pos)
            if index.isValid():
                self.setCurrentIndex(index)
        message = self._thread_model.message_at(index.row()) if index.isValid() else None
        if message is None:
            return
        menu = self.build_context_menu(message)
        menu.exec(self.viewport().mapToGlobal(pos))

    def build_context_menu(self, message: Message) -> QMenu:
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Message actions"))
        if message.status is DeliveryStatus.FAILED:
            retry = menu.addAction(self.tr("Retry sending"))
            retry.setShortcut(QKeySequence("Ctrl+R"))
            retry.triggered.connect(lambda: self.retry_requested.emit(message))
        copy = menu.addAction(self.tr("Copy text"))
        copy.triggered.connect(lambda: QGuiApplication.clipboard().setText(message.body))
        if not message.is_local:
            ticket = menu.addAction(self.tr("Create a ticket from this message"))
            ticket.triggered.connect(lambda: self.create_ticket_requested.emit(message))
        return menu
