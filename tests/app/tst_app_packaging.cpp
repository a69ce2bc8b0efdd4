// The installed app as a distribution would ship it: `cmake --install` into a temporary
// root puts the binaries, the .desktop entry (valid, with the image MIME types), every
// hicolor icon size, AppStream metainfo (valid) and gzipped man pages in their standard
// places; the installed promptbrush-cli runs and reports the one version; the man page
// lists every command; `cpack -G DEB` builds a .deb whose Depends are runtime packages
// only, and whose contents unpack and run. The app's window icon carries every size.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QIcon>
#include <QImage>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "app/gui/app_identity.h"

namespace {

const QString kId = QStringLiteral("io.github.promptbrush.Promptbrush");
const QList<int> kIconSizes{16, 24, 32, 48, 64, 128, 256, 512};

struct Run {
  bool finished = false;
  int code = -1;
  QString out, err;
};

Run run(const QString& program, const QStringList& args, int timeoutMs = 300000) {
  QProcess p;
  p.start(program, args);
  Run r;
  r.finished = p.waitForFinished(timeoutMs);
  if (!r.finished) p.kill(), p.waitForFinished();
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAllStandardOutput());
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

QString describe(const QString& what, const Run& r) {
  return QStringLiteral("%1: %2, exit %3\n%4\n%5")
      .arg(what, r.finished ? QStringLiteral("finished") : QStringLiteral("timed out"))
      .arg(r.code)
      .arg(r.out.right(3000), r.err.right(3000));
}

// The files a package must hold under PREFIX (e.g. "usr").
void checkTree(const QString& root) {
  const QDir d(root);
  for (const char* bin : {"promptbrush", "promptbrush-cli", "promptbrush-fetch-models"}) {
    const QFileInfo f(d.filePath(QStringLiteral("bin/") + bin));
    QVERIFY2(f.isFile() && f.isExecutable(), qPrintable(f.filePath()));
  }
  for (int size : kIconSizes) {
    const QString path = d.filePath(
        QStringLiteral("share/icons/hicolor/%1x%1/apps/%2.png").arg(size).arg(kId));
    const QImage icon(path);
    QVERIFY2(!icon.isNull(), qPrintable(path));
    QCOMPARE(icon.size(), QSize(size, size));
    QVERIFY2(icon.hasAlphaChannel(), qPrintable(path));
  }
  QVERIFY(QFile::exists(d.filePath("share/icons/hicolor/scalable/apps/" + kId + ".svg")));
  QFile copyright(d.filePath("share/doc/promptbrush/copyright"));
  QVERIFY(copyright.open(QIODevice::ReadOnly));
  QVERIFY(copyright.readAll().contains("MIT License"));
  for (const char* page : {"promptbrush", "promptbrush-cli", "promptbrush-fetch-models"})
    QVERIFY2(QFile::exists(d.filePath(QStringLiteral("share/man/man1/%1.1.gz").arg(page))), page);

  const QString desktop = d.filePath("share/applications/" + kId + ".desktop");
  QFile df(desktop);
  QVERIFY2(df.open(QIODevice::ReadOnly), qPrintable(desktop));
  const QString entry = QString::fromUtf8(df.readAll());
  for (const char* mime : {"image/png", "image/jpeg", "image/webp", "image/tiff"})
    QVERIFY2(entry.contains(QRegularExpression(QStringLiteral("^MimeType=.*%1;").arg(mime),
                                               QRegularExpression::MultilineOption)),
             mime);
  QVERIFY(entry.contains("Icon=" + kId + "\n"));
  QVERIFY(entry.contains("Exec=promptbrush %f\n"));

  const QString validate = QStandardPaths::findExecutable("desktop-file-validate");
  QVERIFY2(!validate.isEmpty(), "desktop-file-validate missing: packaging/install-deps.sh");
  Run v = run(validate, {desktop});
  QVERIFY2(v.code == 0 && v.out.trimmed().isEmpty(), qPrintable(describe("desktop-file-validate", v)));

  const QString metainfo = d.filePath("share/metainfo/" + kId + ".metainfo.xml");
  QFile mf(metainfo);
  QVERIFY2(mf.open(QIODevice::ReadOnly), qPrintable(metainfo));
  const QString meta = QString::fromUtf8(mf.readAll());
  QVERIFY2(meta.contains(QStringLiteral("<release version=\"" PB_EXPECTED_VERSION "\"")),
           "the metainfo's release is not project(VERSION)");
  QVERIFY(meta.contains("<screenshot"));
  QVERIFY(meta.contains("<launchable type=\"desktop-id\">" + kId + ".desktop</launchable>"));
  const QString appstream = QStandardPaths::findExecutable("appstreamcli");
  QVERIFY2(!appstream.isEmpty(), "appstreamcli missing: packaging/install-deps.sh");
  v = run(appstream, {"validate", "--no-net", "--explain", metainfo});
  QVERIFY2(v.code == 0, qPrintable(describe("appstreamcli validate", v)));

  v = run(d.filePath("bin/promptbrush-cli"), {"--version"});
  QCOMPARE(v.code, 0);
  QCOMPARE(v.out, QStringLiteral("promptbrush-cli " PB_EXPECTED_VERSION "\n"));
}

}  // namespace

class AppPackaging : public QObject {
  Q_OBJECT
  QTemporaryDir tmp_;

 private slots:
  void installTree() {
    const QString prefix = tmp_.filePath("prefix");
    Run r = run(QStringLiteral(PB_CMAKE), {"--install", PB_BUILD_DIR, "--prefix", prefix});
    QVERIFY2(r.code == 0, qPrintable(describe("cmake --install", r)));
    checkTree(prefix);
  }

  // Every command the CLI has is in its man page (the page is written by hand).
  void manPageListsEveryCommand() {
    const Run help = run(QStringLiteral(PB_CLI), {"--help"});
    QCOMPARE(help.code, 0);
    const QStringList lines = help.out.split('\n');
    const int start = lines.indexOf(QStringLiteral("Commands:"));
    QVERIFY2(start >= 0, qPrintable(help.out));
    QFile page(QStringLiteral(PB_SOURCE_DIR "/packaging/man/promptbrush-cli.1"));
    QVERIFY(page.open(QIODevice::ReadOnly));
    const QString man = QString::fromUtf8(page.readAll());
    int commands = 0;
    for (int i = start + 1; i < lines.size(); ++i) {
      const QString name = lines[i].trimmed().section(' ', 0, 0);
      if (name.isEmpty()) continue;
      ++commands;
      QVERIFY2(man.contains(".TP\n.B " + name + "\n"),
               qPrintable("promptbrush-cli.1 does not describe the command " + name));
    }
    QVERIFY2(commands >= 8, qPrintable(help.out));
  }

  void debianPackage() {
    const QString out = tmp_.filePath("deb");
    Run r = run(QStringLiteral(PB_CPACK),
                {"-G", "DEB", "--config", PB_BUILD_DIR "/CPackConfig.cmake", "-B", out}, 600000);
    QVERIFY2(r.code == 0, qPrintable(describe("cpack -G DEB", r)));
    const QStringList debs = QDir(out).entryList({"promptbrush_*.deb"}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    QVERIFY2(debs[0].startsWith(QStringLiteral("promptbrush_" PB_EXPECTED_VERSION "_")),
             qPrintable(debs[0]));
    const QString deb = QDir(out).filePath(debs[0]);

    r = run(QStringLiteral("dpkg-deb"), {"--field", deb, "Depends"});
    QCOMPARE(r.code, 0);
    const QStringList depends = r.out.trimmed().split(QStringLiteral(", "));
    for (const QString& dep : depends)
      QVERIFY2(!dep.section(' ', 0, 0).endsWith(QStringLiteral("-dev")),
               qPrintable("a -dev package in Depends: " + r.out));
    for (const char* needed : {"libtorch1.13", "libqt6widgets6", "libqt6network6", "qt6-qpa-plugins",
                               "libopencv-imgcodecs406"})
      QVERIFY2(r.out.contains(QLatin1String(needed)), qPrintable(needed + (": " + r.out)));

    const QString root = tmp_.filePath("debroot");
    r = run(QStringLiteral("dpkg-deb"), {"-x", deb, root});
    QVERIFY2(r.code == 0, qPrintable(describe("dpkg-deb -x", r)));
    checkTree(root + "/usr");
  }

  void windowIconHasEverySize() {
    pbapp::applyAppIdentity(*qApp);
    const QList<QSize> sizes = qApp->windowIcon().availableSizes();
    for (int size : kIconSizes) QVERIFY2(sizes.contains(QSize(size, size)), qPrintable(QString::number(size)));
    QCOMPARE(QGuiApplication::desktopFileName(), kId);
    QCOMPARE(QApplication::applicationVersion(), QStringLiteral(PB_EXPECTED_VERSION));
  }
};

QTEST_MAIN(AppPackaging)
#include "tst_app_packaging.moc"
