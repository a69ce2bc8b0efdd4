#pragma once
// A local HTTP/1.1 file server for the downloader tests (no internet): Range requests,
// redirects, 404, a connection dropped after some bytes, a server ignoring Range, and one
// sending other bytes than the file's.
#include <QHostAddress>
#include <QMap>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>
#include <algorithm>

namespace pbtest {

// One response per connection ("Connection: close"), enough for QNetworkAccessManager.
class HttpServer : public QObject {
 public:
  QMap<QString, QByteArray> files;   // "/name" -> body
  QMap<QString, QString> redirects;  // "/from" -> "/to"
  QMap<QString, qint64> dropAfter;   // send this many body bytes once, then hang up
  QMap<QString, QByteArray> lie;     // "/name" -> body sent as if it were the file
  bool ignoreRange = false;
  QStringList log;  // "GET /name bytes=123-"

  HttpServer() {
    QVERIFY(server_.listen(QHostAddress::LocalHost));
    connect(&server_, &QTcpServer::newConnection, this, [this] {
      while (QTcpSocket* s = server_.nextPendingConnection()) {
        connect(s, &QTcpSocket::readyRead, this, [this, s] { onData(s); });
        connect(s, &QTcpSocket::disconnected, s, &QObject::deleteLater);
      }
    });
  }
  QString url(const QString& path) const {
    return QStringLiteral("http://127.0.0.1:%1%2").arg(server_.serverPort()).arg(path);
  }

 private:
  void onData(QTcpSocket* s) {
    QByteArray& buf = buffers_[s];
    buf += s->readAll();
    if (!buf.contains("\r\n\r\n")) return;
    const QList<QByteArray> lines = buf.left(buf.indexOf("\r\n\r\n")).split('\n');
    buffers_.remove(s);
    const QList<QByteArray> first = lines.value(0).trimmed().split(' ');
    const QString path = QString::fromLatin1(first.value(1));
    head_ = first.value(0) == "HEAD";
    QByteArray range;
    for (const QByteArray& l : lines)
      if (l.toLower().startsWith("range:")) range = l.mid(6).trimmed();
    log << QStringLiteral("%1 %2 %3")
               .arg(QString::fromLatin1(first.value(0)), path, QString::fromLatin1(range));
    if (redirects.contains(path))
      return reply(s, "302 Found", {"Location: " + url(redirects[path]).toLatin1()}, {});
    if (!files.contains(path)) return reply(s, "404 Not Found", {}, "no such file\n");
    const QByteArray body = lie.value(path, files[path]);
    const qint64 size = files[path].size();
    qint64 start = 0;
    if (range.startsWith("bytes=") && !ignoreRange) {
      start = range.mid(6, range.indexOf('-') - 6).toLongLong();
      if (start >= size)
        return reply(s, "416 Range Not Satisfiable",
                     {"Content-Range: bytes */" + QByteArray::number(size)}, {});
      return send(s, "206 Partial Content",
                  {"Content-Range: bytes " + QByteArray::number(start) + "-" +
                   QByteArray::number(size - 1) + "/" + QByteArray::number(size)},
                  body.mid(start), path, size - start);
    }
    send(s, "200 OK", {}, body, path, size);
  }
  // `length` is what Content-Length announces (a lying server sends less).
  void send(QTcpSocket* s, const QByteArray& status, QList<QByteArray> headers, QByteArray body,
            const QString& path, qint64 length) {
    headers << "Content-Length: " + QByteArray::number(lie.contains(path) ? body.size() : length);
    if (dropAfter.contains(path)) body = body.left(dropAfter.take(path));
    reply(s, status, headers, body);
  }
  void reply(QTcpSocket* s, const QByteArray& status, QList<QByteArray> headers,
             const QByteArray& body) {
    if (!std::any_of(headers.begin(), headers.end(),
                     [](const QByteArray& h) { return h.startsWith("Content-Length"); }))
      headers << "Content-Length: " + QByteArray::number(body.size());
    QByteArray head = "HTTP/1.1 " + status + "\r\nConnection: close\r\n";
    for (const QByteArray& h : headers) head += h + "\r\n";
    s->write(head + "\r\n" + (head_ ? QByteArray() : body));
    s->disconnectFromHost();  // after the bytes are written; early for a dropped body
  }
  QTcpServer server_;
  QHash<QTcpSocket*, QByteArray> buffers_;
  bool head_ = false;  // answering a HEAD request: headers only
};

}  // namespace pbtest
