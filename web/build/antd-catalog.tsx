/**
 * The Ant Design components on the screens people open first (the shell, a list, the home page,
 * a record), each in the states that register their own styles, rendered once on the server to
 * collect their CSS (see vite-antd-css.ts for why).
 *
 * Only those: the stylesheet is render-blocking, and the browser parses it and builds its rule
 * set before the first paint (~70 ms for antd's whole library, ~1.3 MB). Components of forms and
 * Setup (date pickers, trees, tables of settings, radio groups…) are left out: antd generates
 * their CSS at run time when they first appear, as it always did.
 *
 * Popups (tooltips, popovers, dropdown menus, modals, drawers) register their styles when their
 * trigger renders, so they are rendered closed; antd's `_InternalPanel…` previews would register
 * them under a different theme (motion off) that the running app never asks for.
 */
import { createCache, extractStyle, StyleProvider } from '@ant-design/cssinjs';
import {
  Alert,
  App,
  Badge,
  Button,
  Checkbox,
  Col,
  ConfigProvider,
  Drawer,
  Dropdown,
  Empty,
  Input,
  Layout,
  Menu,
  Modal,
  Popover,
  Result,
  Row,
  Segmented,
  Select,
  Skeleton,
  Space,
  Spin,
  Tabs,
  Tag,
  Tooltip,
  Typography,
  type ThemeConfig,
} from 'antd';
import { renderToString } from 'react-dom/server';

function Catalog() {
  return (
    <App>
      <Layout>
        <Layout.Sider collapsible>
          <Menu mode="inline" items={[{ key: 'a', label: 'a' }, { type: 'group', key: 'g', label: 'g', children: [{ key: 'b', label: 'b' }] }]} />
        </Layout.Sider>
        <Layout>
          <Layout.Header />
          <Layout.Content />
        </Layout>
      </Layout>
      <Button type="primary">a</Button>
      <Space>
        <Badge count={1}>
          <span />
        </Badge>
        <Badge color="#a0a8b8" text="a" />
      </Space>
      <Space.Compact>
        <Button>a</Button>
        <Input />
        <Select />
      </Space.Compact>
      <Input prefix="a" allowClear />
      <Input.Search />
      <Select />
      <Checkbox />
      <Segmented options={['a', 'b']} />
      <Alert message="a" />
      <Empty />
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
      <Result status="404" />
      <Tooltip title="a">
        <span />
      </Tooltip>
      <Popover content="a">
        <span />
      </Popover>
      <Dropdown menu={{ items: [{ key: 'a', label: 'a' }] }}>
        <span />
      </Dropdown>
      <Modal open={false} />
      <Drawer open={false} />
      <Tag>a</Tag>
      <Tag color="blue">a</Tag>
      <Tag color="success">a</Tag>
      <Tag color="#3358d4">a</Tag>
      <Skeleton active />
      <Spin />
      <Typography.Title>a</Typography.Title>
      <Typography.Text>a</Typography.Text>
      <Row>
        <Col span={12} />
      </Row>
      <Tabs items={[{ key: 'a', label: 'a', children: 'a' }]} />
      {/* A ConfigProvider inside the app's registers antd's icon reset under the app's theme
          (the outer one registers it under antd's default theme). */}
      <ConfigProvider>
        <span />
      </ConfigProvider>
    </App>
  );
}

/** The CSS of every component above, with the map cssinjs reads to skip generating it again. */
export function renderAntdCss(theme: ThemeConfig): string {
  const cache = createCache();
  renderToString(
    <StyleProvider cache={cache}>
      <ConfigProvider theme={theme}>
        <Catalog />
      </ConfigProvider>
    </StyleProvider>,
  );
  return extractStyle(cache, true);
}
