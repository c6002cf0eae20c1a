import { useApp } from '../lib/context.js';
import { Link, Page } from '../lib/ui.js';

export function NotFound() {
  const { t } = useApp();
  return (
    <Page title={t('notFound.title')}>
      <p>{t('notFound.text')}</p>
      <p>
        <Link to="/">{t('common.backToDashboard')}</Link>
      </p>
    </Page>
  );
}
